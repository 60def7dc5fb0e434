import DebtCore
import Logging
import PostgresNIO
import Synchronization

/// The PostgresNIO driver of the store's `SQLSession` protocol: one leased connection.
final class NIOSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func query(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] {
        guard !connection.isClosed else { throw NIOSession.closed }
        var bindings = PostgresBindings(capacity: parameters.count)
        for p in parameters {
            if let p { bindings.append(p) } else { bindings.appendNull() }
        }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await NIOSession.answered(on: connection, logger: logger) { [connection, logger] in
            let rows = try await connection.query(query, logger: logger)
            var out: [[String?]] = []
            for try await row in rows {
                var values: [String?] = []
                for cell in row { values.append(try cell.decode(String?.self)) }
                out.append(values)
            }
            return out
        }
    }

    func copyRows(into table: String, columns: [String], _ rows: [[String?]]) async throws {
        guard !connection.isClosed else { throw NIOSession.closed }
        try await NIOSession.answered(on: connection, logger: logger) { [connection, logger] in
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(ByteBuffer(bytes: CopyText.encode(rows)))
            }
        }
    }

    func execute(_ sql: String) async throws {
        for statement in SQLScript.statements(sql) { _ = try await query(statement, []) }
    }

    /// What a statement on a closed connection fails with (see `answered`).
    static let closed = SQLError(kind: .connection, sqlState: nil, message: "database connection closed")

    /// Runs `operation` (statements on `connection`) and returns what it returns, but fails with `closed`
    /// if the connection closes while it runs and it is still unanswered `grace` later.
    ///
    /// PostgresNIO (1.33.2) writes a statement with `channel.write(…, promise: nil)`: a statement whose
    /// write reaches the channel after it closed (a check of `isClosed` first narrows that window but
    /// cannot close it) is dropped, and nothing ever answers it. Its caller would wait forever, and with
    /// it every append queued behind it (found by the PostgreSQL restart test: after an outage under
    /// load, writes hung until the server was restarted). Here the statement runs in a task of its own
    /// and a watchdog looks at the connection every `poll`; when the connection has closed, an answer
    /// owed is not coming (the driver fails all statements it knows of when the channel goes inactive),
    /// so after `grace` the caller gets `closed` and the lost statement's task is left behind, holding
    /// nothing but its memory. A statement that is merely slow on a live connection is never cut short.
    /// Cancelling the caller cancels the statement's task.
    static func answered<T: Sendable>(
        on connection: PostgresConnection, poll: Duration = .milliseconds(200), grace: Duration = .seconds(1),
        logger: Logger? = nil, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let answer = Answer<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.start(continuation) {
                    let work = Task {
                        let result: Result<T, any Error>
                        do { result = .success(try await operation()) } catch let error as PSQLError {
                            result = .failure(translate(error))
                        } catch { result = .failure(error) }
                        answer.finish(result)
                    }
                    let watchdog = Task {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: poll)
                            guard connection.isClosed, !Task.isCancelled else { continue }
                            try? await Task.sleep(for: grace)
                            if answer.finish(.failure(closed)) {
                                logger?.warning("a statement on a closed database connection was never answered; failed it and left it behind")
                            }
                            return
                        }
                    }
                    return (work, watchdog)
                }
            }
        } onCancel: {
            answer.cancel()
        }
    }

    /// The one answer of `answered`: whichever of the statement and the watchdog comes first.
    private final class Answer<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var tasks: (work: Task<Void, Never>, watchdog: Task<Void, Never>)?
            var cancelled = false
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, _ begin: () -> (Task<Void, Never>, Task<Void, Never>)) {
            state.withLock { $0.continuation = continuation }
            let tasks = begin()
            let (answered, cancelled) = state.withLock { s in
                s.tasks = tasks
                return (s.continuation == nil, s.cancelled)
            }
            if answered { tasks.1.cancel() }
            if cancelled { tasks.0.cancel() }
        }

        /// Answers, unless answered already; true if this call answered.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (continuation, tasks) = state.withLock { s in
                defer { s.continuation = nil }
                return (s.continuation, s.tasks)
            }
            tasks?.watchdog.cancel()
            continuation?.resume(with: result)
            return continuation != nil
        }

        func cancel() {
            let tasks = state.withLock { s in
                s.cancelled = true
                return s.tasks
            }
            tasks?.work.cancel()
        }
    }

    /// PostgresNIO's error as the store's: SQLSTATE and the server's message, never the query text.
    static func translate(_ error: PSQLError) -> SQLError {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "database error"
            let auth = state.hasPrefix("28") || state == "42501"
            // Connection exceptions (08), the server shutting down or starting up (57P01-57P03) and
            // too many connections (53300): the database is unavailable, not the request wrong.
            let unavailable = state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
            return SQLError(kind: auth ? .authentication : unavailable ? .connection : .statement, sqlState: state, message: message)
        }
        return SQLError(kind: .connection, sqlState: nil, message: "database connection failed (\(error.code))")
    }
}
