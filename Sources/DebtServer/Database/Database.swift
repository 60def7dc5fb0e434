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

    /// How long a request waits for a pooled connection before it is answered 503. Without a limit a
    /// request waits as long as the database is away (found by the fault tests: `/health/ready` hung
    /// instead of answering 503 while PostgreSQL was stopped).
    static let acquireTimeout: Duration = .seconds(5)

    /// Runs `body` with a store on one pooled connection (one connection: transactions stay on it).
    /// The pool has no lease timeout of its own, so a helper task holds the lease and hands the
    /// connection over; `body` runs in the caller's task, and the lease ends when `body` does.
    func withStore<T>(acquireTimeout: Duration = Database.acquireTimeout, _ body: (EventStore) async throws -> T) async throws -> T {
        let (leased, handOver) = AsyncStream<PostgresConnection>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let (finished, finish) = AsyncStream<Void>.makeStream()
        let holder = Task { [client] in
            do {
                try await client.withConnection { connection in
                    handOver.yield(connection)
                    handOver.finish()
                    for await _ in finished {}
                }
            } catch {
                handOver.finish()
            }
        }
        let deadline = Deadlines.register(after: acquireTimeout) { handOver.finish() }
        defer {
            finish.finish()
            Deadlines.cancel(deadline)
        }
        var iterator = leased.makeAsyncIterator()
        guard let connection = await iterator.next() else {
            holder.cancel()
            throw SQLError(kind: .connection, sqlState: nil, message: "no database connection within \(acquireTimeout)")
        }
        do {
            return try await body(EventStore(session: NIOSession(connection, logger: logger)))
        } catch let error as PSQLError {
            throw NIOSession.translate(error)
        }
    }

    /// Runs `body` with a raw session (health checks, user administration).
    func withSession<T>(_ body: (any SQLSession) async throws -> T) async throws -> T {
        try await withStore { try await body($0.session) }
    }
}

/// Actions due at a time, checked by one `Sweeper` task for all of them: a request that waits for a
/// pooled connection registers one instead of starting a timer of its own, which cost every request a
/// timer armed and disarmed in the runtime.
enum Deadlines {
    struct Entry: SweptEntry {
        let due: ContinuousClock.Instant
        let action: @Sendable () -> Void
        func isDue(at now: ContinuousClock.Instant) -> Bool { due <= now }
        func fire() { action() }
    }

    static let shared = Sweeper<Entry>(interval: .milliseconds(50))

    /// Calls `action` once, `delay` from now (give or take the sweeper's interval), unless cancelled.
    static func register(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> Sweeper<Entry>.Ticket {
        shared.register(Entry(due: .now + delay, action: action))
    }

    static func cancel(_ ticket: Sweeper<Entry>.Ticket) { shared.cancel(ticket) }
}
