import DebtCore
import Logging
import PostgresNIO
import Synchronization

/// The PostgresNIO driver of the store's `SQLSession` protocol: one leased connection.
final class NIOSession: SQLSession, Sendable {
    let connection: PostgresConnection
    let logger: Logger

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func query(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] {
        guard !connection.isClosed else { throw NIOSession.closed }
        let query = PostgresQuery(unsafeSQL: sql, binds: Self.bindings(parameters))
        return try await NIOSession.answered(on: connection, logger: logger) { [connection, logger] in
            var out: [[String?]] = []
            for try await row in try await connection.query(query, logger: logger) { out.append(try NIOSession.values(row)) }
            return out
        }
    }

    /// A fixed statement of the append path, kept prepared on this connection (see `PreparedSlots`); a
    /// text beyond the slots runs as `query` does.
    func queryPrepared(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] {
        guard let slot = PreparedSlots.slot(for: sql, parameters: parameters.count) else { return try await query(sql, parameters) }
        guard !connection.isClosed else { throw NIOSession.closed }
        let bindings = Self.bindings(parameters)
        let rows = try await NIOSession.answered(on: connection, logger: logger) { [connection, logger] in
            func run<S: PostgresPreparedStatement>(_ statement: S) async throws -> [[String?]] where S.Row == [String?] {
                var out: [[String?]] = []
                for try await row in try await connection.execute(statement, logger: logger) { out.append(row) }
                return out
            }
            switch slot {
            case 0: return try await run(Prepared<0>(bindings: bindings))
            case 1: return try await run(Prepared<1>(bindings: bindings))
            case 2: return try await run(Prepared<2>(bindings: bindings))
            case 3: return try await run(Prepared<3>(bindings: bindings))
            case 4: return try await run(Prepared<4>(bindings: bindings))
            case 5: return try await run(Prepared<5>(bindings: bindings))
            case 6: return try await run(Prepared<6>(bindings: bindings))
            default: return try await run(Prepared<7>(bindings: bindings))
            }
        }
        // Prepared on this connection from now on (what `pipeline` needs to know).
        PreparedSlots.ran(slot, on: connection)
        return rows
    }

    /// Sends every statement before awaiting the first answer, when that keeps their order. Each runs
    /// in a task started on this thread (`Task.immediate`), which writes its statement to the connection
    /// before it first waits, so the statements reach PostgresNIO in order, and PostgresNIO runs them
    /// one after another from its event loop: this task waits once for all of them instead of once per
    /// statement (the group commit's cycle spent most of its time in those waits). All are answered
    /// before this returns or throws the first failure, so the connection is idle again either way.
    ///
    /// PostgresNIO runs the first execution of a prepared statement on a connection after preparing it,
    /// behind plain statements sent later (found by the ordering test). So until every prepared
    /// statement of the pipeline has run on this connection once, the statements go one by one.
    func pipeline(_ statements: [SQLStatement]) async throws -> [[[String?]]] {
        let ready = statements.allSatisfy { s in
            !s.prepared || PreparedSlots.slot(for: s.sql, parameters: s.parameters.count).map { PreparedSlots.hasRun($0, on: connection) } ?? true
        }
        guard ready else {
            var results: [[[String?]]] = []
            for s in statements { results.append(try await run(s)) }
            return results
        }
        let sent = statements.map { statement in Task.immediate { [self] in try await run(statement) } }
        var results: [[[String?]]] = []
        var failure: (any Error)?
        for task in sent {
            do { results.append(try await task.value) } catch {
                results.append([])
                if failure == nil { failure = error }
            }
        }
        if let failure { throw failure }
        return results
    }

    /// A row as the store takes it: each column as text, nil for NULL.
    static func values(_ row: PostgresRow) throws -> [String?] {
        var values: [String?] = []
        for cell in row { values.append(try cell.decode(String?.self)) }
        return values
    }

    static func bindings(_ parameters: [String?]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: parameters.count)
        for p in parameters {
            if let p { bindings.append(p) } else { bindings.appendNull() }
        }
        return bindings
    }

    /// COPY in text format: PostgresNIO (1.33.2) sends no other.
    func copyRows(into table: String, columns: [String], _ rows: CopyRows) async throws {
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
    /// if the connection closes while it runs and it is still unanswered a grace period later.
    ///
    /// PostgresNIO (1.33.2) writes a statement with `channel.write(…, promise: nil)`: a statement whose
    /// write reaches the channel after it closed (a check of `isClosed` first narrows that window but
    /// cannot close it) is dropped, and nothing ever answers it. Its caller would wait forever, and with
    /// it every append queued behind it (found by the PostgreSQL restart test: after an outage under
    /// load, writes hung until the server was restarted). Here the statement runs in a task of its own
    /// and is registered with `watchdog`, which looks at the connections of all unanswered statements
    /// together; when a connection has closed, an answer owed is not coming (the driver fails all
    /// statements it knows of when the channel goes inactive), so after the grace period the caller gets
    /// `closed` and the lost statement's task is left behind, holding nothing but its memory. A statement
    /// that is merely slow on a live connection is never cut short. Cancelling the caller cancels the
    /// statement's task.
    static func answered<T: Sendable>(
        on connection: PostgresConnection, watchdog: Watchdog = .shared, logger: Logger? = nil,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let answer = Answer<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.start(continuation) {
                    let ticket = watchdog.register(connection) {
                        if answer.finish(.failure(closed)) {
                            logger?.warning("a statement on a closed database connection was never answered; failed it and left it behind")
                        }
                    }
                    // Started on the caller's thread (it runs until the statement is sent): a task
                    // scheduled like any other waited behind the request handlers for a thread, once per
                    // statement, which the group commit's cycle felt on every round trip.
                    return Task.immediate {
                        let result: Result<T, any Error>
                        do { result = .success(try await operation()) } catch let error as PSQLError {
                            result = .failure(translate(error))
                        } catch { result = .failure(error) }
                        watchdog.unregister(ticket)
                        answer.finish(result)
                    }
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
            var work: Task<Void, Never>?
            var cancelled = false
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, _ begin: () -> Task<Void, Never>) {
            state.withLock { $0.continuation = continuation }
            let work = begin()
            let cancelled = state.withLock { s in
                s.work = work
                return s.cancelled
            }
            if cancelled { work.cancel() }
        }

        /// Answers, unless answered already; true if this call answered.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let continuation = state.withLock { s in
                defer { s.continuation = nil }
                return s.continuation
            }
            continuation?.resume(with: result)
            return continuation != nil
        }

        func cancel() {
            let work = state.withLock { s in
                s.cancelled = true
                return s.work
            }
            work?.cancel()
        }
    }

    /// Watches the connections of unanswered statements (see `answered`) with one `Sweeper` task for
    /// all of them. When a statement's connection is seen closed, the statement is given `grace` to be
    /// answered and is then failed.
    final class Watchdog: Sendable {
        static let shared = Watchdog(poll: .milliseconds(200), grace: .seconds(1))

        fileprivate struct Entry: SweptEntry {
            let connection: PostgresConnection
            let grace: Duration
            let fail: @Sendable () -> Void
            var closedAt: ContinuousClock.Instant?

            mutating func isDue(at now: ContinuousClock.Instant) -> Bool {
                guard connection.isClosed else { return false }
                guard let closedAt else {
                    closedAt = now
                    return false
                }
                return now - closedAt >= grace
            }
            func fire() { fail() }
        }
        private let sweeper: Sweeper<Entry>
        let grace: Duration

        init(poll: Duration, grace: Duration) {
            sweeper = Sweeper(interval: poll)
            self.grace = grace
        }

        /// Registers a statement on `connection`; `fail` is called (once) if it is still registered
        /// `grace` after the connection was seen closed.
        fileprivate func register(_ connection: PostgresConnection, fail: @escaping @Sendable () -> Void) -> Sweeper<Entry>.Ticket {
            sweeper.register(Entry(connection: connection, grace: grace, fail: fail))
        }

        fileprivate func unregister(_ ticket: Sweeper<Entry>.Ticket) { sweeper.cancel(ticket) }
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

/// The statements kept prepared: each text `queryPrepared` runs gets the next slot the first time, and
/// every connection prepares a slot's statement once, on its first use there, under the slot's name.
/// PostgreSQL then neither parses nor plans that text again on the connection (it may keep a generic
/// plan, or plan each call with its values when that looks better; see PREPARE). The texts are the
/// append path's few fixed statements; a text beyond the slots is run unprepared.
enum PreparedSlots {
    static let count = 8

    private struct Slot {
        let sql: String
        let parameters: Int
    }
    private static let slots = Mutex<[Slot]>([])

    static func slot(for sql: String, parameters: Int) -> Int? {
        slots.withLock { slots in
            if let i = slots.firstIndex(where: { $0.sql == sql && $0.parameters == parameters }) { return i }
            guard slots.count < count else { return nil }
            slots.append(Slot(sql: sql, parameters: parameters))
            return slots.count - 1
        }
    }

    /// The slots each connection has run (prepared) once, by the connection's identity; the entry holds
    /// the connection weakly, so an entry whose connection is gone (or whose address was reused by
    /// another) counts for nothing.
    private struct RunOn {
        weak var connection: PostgresConnection?
        var slots: UInt8
    }
    private static let runOn = Mutex<[ObjectIdentifier: RunOn]>([:])

    static func ran(_ slot: Int, on connection: PostgresConnection) {
        runOn.withLock { entries in
            let key = ObjectIdentifier(connection)
            if let e = entries[key], e.connection === connection {
                entries[key]?.slots |= 1 << slot
            } else {
                entries = entries.filter { $0.value.connection != nil }
                entries[key] = RunOn(connection: connection, slots: 1 << slot)
            }
        }
    }

    static func hasRun(_ slot: Int, on connection: PostgresConnection) -> Bool {
        runOn.withLock { entries in
            guard let e = entries[ObjectIdentifier(connection)], e.connection === connection else { return false }
            return e.slots & (1 << slot) != 0
        }
    }

    static func sql(_ slot: Int) -> String { slots.withLock { $0[slot].sql } }
    static func parameters(_ slot: Int) -> Int { slots.withLock { $0[slot].parameters } }
}

/// Slot `slot`'s statement, as PostgresNIO's prepared statements are declared: a type per statement.
/// Every parameter is text, as in `query` (the SQL casts it).
struct Prepared<let slot: Int>: PostgresPreparedStatement {
    static var name: String { "debt_prepared_\(slot)" }
    static var sql: String { PreparedSlots.sql(slot) }
    static var bindingDataTypes: [PostgresDataType] { Array(repeating: .text, count: PreparedSlots.parameters(slot)) }

    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }

    func decodeRow(_ row: PostgresRow) throws -> [String?] { try NIOSession.values(row) }
}
