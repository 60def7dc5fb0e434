import DebtCore
public import Logging
import PostgresNIO

/// The server's pool of PostgreSQL connections and the store over a leased one.
public final class Database: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(address: DatabaseAddress, poolSize: Int, logger: Logger) {
        var config = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.user, password: address.password,
            database: address.database, tls: address.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        config.options.maximumConnections = poolSize
        config.options.minimumConnections = 2
        config.options.connectionIdleTimeout = .seconds(60)
        client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs `body` with a store on one pooled connection (one connection: transactions stay on it).
    func withStore<T>(_ body: (EventStore) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                try await body(EventStore(session: NIOSession(connection, logger: logger)))
            }
        } catch let error as PSQLError {
            throw NIOSession.translate(error)
        }
    }

    /// Runs `body` with a raw session (health checks, user administration).
    func withSession<T>(_ body: (any SQLSession) async throws -> T) async throws -> T {
        try await withStore { try await body($0.session) }
    }
}
