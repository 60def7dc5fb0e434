import DebtCore
@testable import DebtServer
import LibPQ
import Logging
import PostgresNIO
import Testing
import TestSupport

/// A statement on a connection that closes under it must be answered (PostgresNIO 1.33.2 can drop one
/// written as the channel closes; see `NIOSession.answered`). These tests close a real connection by
/// terminating its backend and use the same PostgresNIO calls the server makes.
@Suite("Statements on a closing connection")
struct ClosedConnectionTests {
    /// `operation`'s result, or nil if it has not finished after `seconds` (it is then left running).
    func within<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        let (results, sink) = AsyncStream<Result<T, any Error>?>.makeStream()
        Task {
            do { sink.yield(.success(try await operation())) } catch { sink.yield(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            sink.yield(nil)
        }
        var iterator = results.makeAsyncIterator()
        return await iterator.next() ?? nil
    }

    /// A PostgresNIO connection to a fresh database, its backend's pid, and the database's URL.
    func connect() async throws -> (PostgresConnection, pid: String, url: String) {
        let url = try await TestDatabase.create(migrated: false)
        let address = try #require(DatabaseAddress(url: url))
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: address.host, port: address.port, username: address.user, password: address.password,
                                 database: address.database, tls: .disable),
            id: 1, logger: Logger(label: "test"))
        let session = NIOSession(connection, logger: Logger(label: "test"))
        let pid = try #require(try await session.scalar("SELECT pg_backend_pid()::text"))
        return (connection, pid, url)
    }

    @Test("a statement written after the connection closed is answered with a connection error, not never")
    func statementAfterClose() async throws {
        let (connection, pid, url) = try await connect()
        _ = try PQConnection(url).querySync("SELECT pg_terminate_backend($1::int)", [pid])
        for _ in 0..<100 where !connection.isClosed { try await Task.sleep(for: .milliseconds(50)) }
        #expect(connection.isClosed)
        // The driver's own call, past NIOSession's isClosed check: what a statement written in the instant
        // between that check and the channel closing meets.
        let outcome = await within(seconds: 10) {
            try await NIOSession.answered(on: connection) { _ = try await connection.query("SELECT 1", logger: Logger(label: "test")) }
        }
        let result = try #require(outcome, "the statement was not answered within 10 s")
        #expect(throws: SQLError.self) { try result.get() }
        if case .failure(let error as SQLError) = result { #expect(error.kind == .connection) }
    }

    @Test("a slow statement on a live connection is not cut short by the watchdog")
    func slowStatementOnLiveConnection() async throws {
        let (connection, _, _) = try await connect()
        let value = try await NIOSession.answered(on: connection, watchdog: NIOSession.Watchdog(poll: .milliseconds(20), grace: .milliseconds(50))) {
            try await NIOSession(connection, logger: Logger(label: "test")).scalar("SELECT pg_sleep(0.5)::text || 'done'")
        }
        try await connection.close()
        #expect(value == "done")
    }

    @Test("the server's statements fail fast once the connection closes mid-transaction")
    func sessionAfterClose() async throws {
        let (connection, pid, url) = try await connect()
        let outcome = await within(seconds: 10) {
            let session = NIOSession(connection, logger: Logger(label: "test"))
            return try await session.transaction {
                _ = try PQConnection(url).querySync("SELECT pg_terminate_backend($1::int)", [pid])
                return try await session.scalar("SELECT 1::text")
            }
        }
        let result = try #require(outcome, "the transaction was not answered within 10 s")
        if case .failure(let error as SQLError) = result { #expect(error.kind == .connection) } else { Issue.record("expected a connection error, got \(result)") }
    }

    @Test("a pipeline keeps its statements in order, also before its prepared statements were prepared; a failure fails the rest and is thrown")
    func pipelineOrder() async throws {
        let (connection, _, _) = try await connect()
        let session = NIOSession(connection, logger: Logger(label: "test"))
        try await session.execute("CREATE TABLE steps (n int PRIMARY KEY, sent int NOT NULL)")
        // Each insert numbers itself after the rows before it: run out of order, n and sent would differ.
        // Half of them prepared, under a text no other test uses: the first pipeline meets it unprepared.
        let step = "INSERT INTO steps SELECT coalesce(max(n), 0) + 1, $1::int FROM steps RETURNING n::text, 'pipeline test'"
        for round in 0..<2 {
            let statements = [SQLStatement("BEGIN")] + (1...40).map { SQLStatement(step, [String(round * 40 + $0)], prepared: $0 % 2 == 0) }
                + [SQLStatement("COMMIT")]
            let results = try await session.pipeline(statements)
            let numbered: [String?] = results.dropFirst().prefix(40).map { rows in rows.first?.first ?? nil }
            let expected: [String?] = (1...40).map { String(round * 40 + $0) }
            #expect(numbered == expected, "round \(round)")
        }
        #expect(try await session.query("SELECT count(*)::text, count(*) FILTER (WHERE n <> sent)::text FROM steps", []) == [["80", "0"]])

        // A failure in the middle: the statements after it fail, COMMIT rolls back, nothing stays.
        let failing = [SQLStatement("BEGIN"), SQLStatement(step, ["81"], prepared: true), SQLStatement("SELECT 1 / 0"),
                       SQLStatement(step, ["82"]), SQLStatement("COMMIT")]
        await #expect {
            _ = try await session.pipeline(failing)
        } throws: { error in
            (error as? SQLError)?.sqlState == "22012"
        }
        #expect(try await session.query("SELECT count(*)::text FROM steps", []) == [["80"]])
        try? await connection.close()
    }
}
