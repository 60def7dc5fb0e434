import Foundation

/// Everything the server needs to know, from flags and environment (see `debt-server --help`).
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    /// PostgreSQL to use; nil runs an embedded cluster under `dataDirectory`.
    public var databaseURL: String?
    public var dataDirectory = ".debt-tracker"
    /// Seed demo data and allow the built-in development admin password.
    public var dev = false
    /// HS256 key for tokens.
    public var jwtSecret: [UInt8] = []
    public var tokenLifetimeSeconds: Int64 = 12 * 3600
    /// Largest request body (413 above it).
    public var bodyLimit = 10 * 1024 * 1024
    /// Origins allowed by CORS; empty allows none (same-origin only).
    public var corsOrigins: [String] = []
    public var bcryptCost: UInt8 = 12
    /// Failed logins tolerated per client address and per user name in a minute before 429.
    public var loginAttemptsPerMinute = 10
    /// Requests per second per client address (burst twice that) before 429; 0: no limit (behind a
    /// proxy that limits, or for load tests).
    public var requestsPerSecond = 500
    public var databasePoolSize = 20

    public init() {}
}

/// The database's address in parts, parsed from a `postgresql://` URL.
public struct DatabaseAddress: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var requireTLS: Bool

    /// Parses `postgres[ql]://user[:password]@host[:port]/database[?sslmode=…]`; nil for anything else.
    public init?(url: String) {
        guard let c = URLComponents(string: url), c.scheme == "postgresql" || c.scheme == "postgres",
              let host = c.host, !host.isEmpty else { return nil }
        self.host = host
        port = c.port ?? 5432
        user = c.user ?? "postgres"
        password = c.password
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = path.isEmpty ? user : path
        let mode = c.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        requireTLS = ["require", "verify-ca", "verify-full"].contains(mode)
    }
}
