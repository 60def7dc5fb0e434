import DebtCore
import Foundation
import EmbeddedPostgres
@testable import DebtServer
import TestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real `debt-server` process on a free port, against a fresh harness database.
final class ServerProcess: @unchecked Sendable {
    static let secret = "test-secret-0123456789-0123456789-abcdef"
    static let adminPassword = "admin-password-123"

    let url: String
    let databaseURL: String
    let port: Int
    let process: CommandRunner.Running

    /// Starts a server; `databaseURL` nil makes a new database, otherwise shares one (multi-instance tests);
    /// `port` nil picks a free one (a restart after a crash passes the old one).
    static func start(databaseURL: String? = nil, port: Int? = nil, environment: [String: String] = [:]) async throws -> ServerProcess {
        let db: String
        if let databaseURL { db = databaseURL } else { db = try await TestDatabase.create() }
        // A port found free can be taken before the server binds it (tests run in parallel, and every
        // client connection takes a port from the same range): then try another, unless one was asked for.
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await start(db, port: try port ?? freePort(), environment: environment)
            } catch let failure as ServerFailed where failure.portTaken && port == nil && attempt < 5 {
                continue
            }
        }
    }

    private static func start(_ db: String, port: Int, environment: [String: String]) async throws -> ServerProcess {
        var env = [
            "DEBT_JWT_SECRET": secret, "DEBT_ADMIN_USERNAME": "root", "DEBT_ADMIN_PASSWORD": adminPassword,
            "DEBT_BCRYPT_COST": "4", "LOG_LEVEL": "warning",
            // Many servers run in parallel against one test cluster: keep each one's pool small.
            "DEBT_DB_POOL_SIZE": "4",
        ]
        env.merge(environment) { $1 }
        let process = try CommandRunner.start(
            "debt-server", ["serve", "--database-url", db, "--port", String(port), "--data-dir", NSTemporaryDirectory() + "debt-srv-\(port)"],
            environment: env)
        let server = ServerProcess(url: "http://127.0.0.1:\(port)", databaseURL: db, port: port, process: process)
        for _ in 0..<600 {
            if let r = try? await server.request("GET", "/health/ready"), r.status == 200 { return server }
            if process.stderrSoFar.contains("Address already in use") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.signal(SIGKILL)
        let result = process.wait()
        throw ServerFailed(message: "server did not become ready: \(result.stderr)", portTaken: result.stderr.contains("Address already in use"))
    }

    private init(url: String, databaseURL: String, port: Int, process: CommandRunner.Running) {
        self.url = url
        self.databaseURL = databaseURL
        self.port = port
        self.process = process
    }

    deinit {
        process.signal(SIGKILL)
        _ = process.wait()
    }

    struct Reply {
        let status: Int
        let body: String
        let headers: [String: String]
        var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
    }

    func request(_ method: String, _ path: String, token: String? = nil, json: JSONValue? = nil, body: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        try await Self.request(url, method, path, token: token, json: json, body: body, headers: headers)
    }

    /// A request to the server at `base` (also one this type did not start).
    static func request(
        _ base: String, _ method: String, _ path: String, token: String? = nil, json: JSONValue? = nil, body: String? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        var r = URLRequest(url: URL(string: base + path)!)
        r.httpMethod = method
        r.timeoutInterval = 20
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json { r.httpBody = Data(json.canonicalText.utf8) } else if let body { r.httpBody = Data(body.utf8) }
        if r.httpBody != nil { r.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        var h: [String: String] = [:]
        for (k, v) in http.allHeaderFields { h[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: h)
    }

    /// Logs in (creating the user through the admin API first when `create`), returns (token, user id).
    func login(_ username: String, password: String = "password-123", create: Bool = true, admin: Bool = false) async throws -> (String, Identifier) {
        if create {
            let root = try await adminToken()
            let r = try await request("POST", "/api/admin/users", token: root, json: ["username": .string(username), "password": .string(password), "is_admin": .bool(admin)])
            guard r.status == 201 else { throw ServerFailed(message: "create user: \(r.status) \(r.body)") }
        }
        let r = try await request("POST", "/api/auth/login", json: ["username": .string(username), "password": .string(password)])
        guard r.status == 200, let token = r.json["token"]?.stringValue, let id = r.json["user_id"]?.stringValue.flatMap({ Identifier($0) }) else {
            throw ServerFailed(message: "login: \(r.status) \(r.body)")
        }
        return (token, id)
    }

    private var cachedAdmin: String?
    func adminToken() async throws -> String {
        if let cachedAdmin { return cachedAdmin }
        let r = try await request("POST", "/api/auth/admin/login", json: ["username": "root", "password": .string(Self.adminPassword)])
        guard let t = r.json["token"]?.stringValue else { throw ServerFailed(message: "admin login: \(r.body)") }
        cachedAdmin = t
        return t
    }

    static func freePort() throws -> Int { try PostgresCluster.freePort() }

    /// An operation's path from the OpenAPI document with its placeholders filled: `{id}` with `id`,
    /// `{stream}` with a fresh contact stream, `{key}` with `key`, `{file}` with a file of the admin page.
    static func concretePath(_ template: String, id: String, key: String = "theme") -> String {
        template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{stream}", with: "contact-\(Identifier.random())")
            .replacingOccurrences(of: "{key}", with: key).replacingOccurrences(of: "{file}", with: "admin.js")
    }

    /// A token for `user` signed with the server's secret that expired an hour ago.
    static func expiredToken(for user: Identifier, username: String, admin: Bool) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        return TokenSigner(secret: Array(secret.utf8)).sign(.init(userID: user, username: username, isAdmin: admin, issuedAt: now - 7200, expiresAt: now - 3600))
    }

    /// A current admin token for `user` signed with another secret than the server's.
    static func forgedToken(for user: Identifier, username: String) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        return TokenSigner(secret: Array("another-secret-another-secret-another".utf8))
            .sign(.init(userID: user, username: username, isAdmin: true, issuedAt: now, expiresAt: now + 3600))
    }
}

struct ServerFailed: Error, CustomStringConvertible {
    let message: String
    /// The server could not bind its port: another process took it first.
    var portTaken = false
    var description: String { message }
}

/// Contract-shaped events for a user, with fixed-step timestamps.
struct ClientEvents {
    var clock = Timestamp.now().microseconds

    mutating func make(_ a: AggregateType, _ id: Identifier, _ t: EventType, _ data: [String: JSONValue], _ v: Int64) -> Event {
        clock += 1000
        return Event(id: .random(), aggregateType: a, aggregateID: id, eventType: t, data: data, timestamp: Timestamp(microseconds: clock), version: v)
    }
}
