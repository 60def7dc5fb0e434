import DebtCore
import LibPQ

/// Direct mode: PostgreSQL through libpq, with the same `EventStore` (and so the same append path and
/// rules) as the server.
final class DirectBackend: Backend {
    let connection: PQConnection
    let store: EventStore
    private let conninfo: String
    private var names: [Identifier: String]?
    private var listening = false

    init(conninfo: String) throws {
        self.conninfo = conninfo
        // Named with the connection (pg_stat_activity shows "debtctl"), not by a SET round trip.
        connection = try PQConnection(conninfo, applicationName: "debtctl")
        store = EventStore(session: connection)
    }

    var endpoint: String { "PostgreSQL \(connection.endpoint)" }

    /// Fails clearly when the database has no event store.
    func requireSchema() async throws {
        if try await store.schemaVersion() == 0 {
            throw CLIError.failure("\(connection.endpoint) has no Debt Tracker schema; run 'debt-server migrate' first")
        }
    }

    func resolveUser(_ nameOrID: String?) async throws -> Identifier? {
        guard let nameOrID else { return nil }
        guard let id = try await store.resolveUser(nameOrID) else { throw CLIError.usage("no user '\(nameOrID)'") }
        return id
    }

    func usernames(fresh: Bool) throws -> [Identifier: String] {
        if let names, !fresh { return names }
        var map: [Identifier: String] = [:]
        for r in try connection.querySync("SELECT id::text, username FROM users", []) {
            if let i = r[0].flatMap({ Identifier($0) }), let n = r[1] { map[i] = n }
        }
        names = map
        return map
    }

    func eachEvent(_ query: EventQuery, _ body: (Event) throws -> Void) throws {
        let (sql, params) = query.sql()
        try connection.stream(sql, params) { row in
            // Ctrl-C in the shell: the handler has cancelled the statement; stop handing rows over.
            if Interrupts.pending { throw CLIError.interrupted }
            try body(try EventRow.decode(row))
            return true
        }
    }

    func eachNamedEvent(_ query: EventQuery, _ body: (Event, String) throws -> Void) throws {
        // The names come with the rows (one query instead of two).
        var query = query
        query.withUsername = true
        let (sql, params) = query.sql()
        try connection.stream(sql, params) { row in
            if Interrupts.pending { throw CLIError.interrupted }
            try body(try EventRow.decode(row), row.count > EventRow.usernameColumn ? row[EventRow.usernameColumn] ?? "" : "")
            return true
        }
    }

    func keepAlive() throws -> Bool {
        names = nil
        guard try connection.reconnectIfDropped() else { return false }
        // A new server session (libpq reconnects with the same parameters): its LISTEN is gone.
        listening = false
        return true
    }

    func eventDetail(_ id: Identifier) async throws -> (event: Event, undoneBy: [Identifier]) {
        guard let e = try await store.event(id: id) else { throw StoreError.notFound("event \(id) does not exist") }
        return (e, try await store.undos(of: id).map(\.id))
    }

    func stream(_ id: StreamID) async throws -> StreamReplay<Event> { try await store.stream(id) }
    func contacts(_ filter: EventStore.ListFilter) async throws -> [JSONValue] { try await store.contacts(filter) }
    func transactions(_ filter: EventStore.ListFilter, id: Identifier?) async throws -> [JSONValue] { try await store.transactions(filter, id: id) }
    func totals(userID: Identifier?) async throws -> [JSONValue] { try await store.totals(userID: userID) }
    func users(id: Identifier?) async throws -> [JSONValue] { try await store.users(id: id) }
    func headPosition() async throws -> Int64 { try await store.headPosition() }
    func rebuildRunning() async throws -> Bool { try await store.rebuildRunning() }

    func projectionStatus() async throws -> [JSONValue] {
        try await requireSchema()
        return try await store.projectionStatus()
    }

    func rebuild(progress: @escaping (Int64, Int64) -> Void) async throws -> JSONValue {
        try await requireSchema()
        // If this process is killed mid-rebuild, PostgreSQL (14+) notices the closed socket within a
        // second and ends the statement, which releases the rebuild lock; without this the backend ran
        // on until its statement finished (found by the fault tests: 14 s).
        if connection.serverVersion >= 140_000 {
            _ = try await connection.query("SET client_connection_check_interval = '1s'", [])
        }
        // A second connection writes the new tables while this one reads the log, and a third reads
        // half of it (see `rebuildProjections`). Where the server refuses more connections
        // (max_connections), the rebuild runs on those it has: slower, the same result.
        let writer = try? PQConnection(conninfo, applicationName: "debtctl")
        let secondReader = writer == nil ? nil : try? PQConnection(conninfo, applicationName: "debtctl")
        for c in [writer, secondReader].compactMap({ $0 }) where c.serverVersion >= 140_000 {
            _ = try await c.query("SET client_connection_check_interval = '1s'", [])
        }
        // Ctrl-C cancels the running statement (armed connection: the reading one) and stops between
        // batches; the store waits for the write on its way, releases the lock and leaves the live
        // projections as they were.
        Interrupts.catchInterrupts()
        let r = try await store.rebuildProjections(writer: writer, secondReader: secondReader) { done, total in
            if Interrupts.pending { throw CancellationError() }
            progress(done, total)
        }
        return .object([
            "status": "success", "events_processed": .integer(r.eventsProcessed), "caught_up": .integer(r.caughtUp),
            "head": .integer(r.head), "contacts": .integer(r.contacts), "transactions": .integer(r.transactions),
        ])
    }

    func verify(progress: @escaping (Int64, Int64) -> Void) async throws -> (head: Int64, replayed: Int64, drifts: [JSONValue]) {
        try await requireSchema()
        let r = try await store.verifyProjections(progress: progress)
        return (r.head, r.eventsReplayed, r.drifts.map(\.json))
    }

    func undo(_ id: Identifier, reason: String?, actor: String, dryRun: Bool) async throws -> (plan: JSONValue, appendedAt: Int64?) {
        let r = try await store.undo(eventID: id, metadata: EventMetadata(actor: actor, reason: reason, source: "debtctl"), dryRun: dryRun)
        return (r.plan.json, r.appendedAt)
    }

    func health() async throws -> [JSONValue] {
        var checks: [JSONValue] = [HealthCheck.make("database", true, "\(connection.endpoint), PostgreSQL \(connection.serverVersion / 10000).\(connection.serverVersion % 100)")]
        let version = try await store.schemaVersion()
        checks.append(HealthCheck.make("schema", version == Schema.latestVersion, "version \(version) of \(Schema.latestVersion)"))
        if version > 0 { checks += HealthCheck.projections(try await store.projectionStatus()) }
        return checks
    }

    /// LISTEN for the append path's NOTIFY (the position is read afresh by the caller).
    /// The first call only subscribes and returns at once, so the caller's next read by position
    /// covers anything appended before LISTEN took effect.
    func waitForEvents(after position: Int64, timeout: Double) async throws {
        guard listening else {
            try connection.executeSync("LISTEN \(Schema.notifyChannel)")
            listening = true
            return
        }
        _ = try connection.notifications(timeout: timeout)
        // A SIGINT ends the wait early (poll returns EINTR).
        if Interrupts.pending { throw CLIError.interrupted }
    }
}

enum HealthCheck {
    static func make(_ name: String, _ ok: Bool, _ detail: String) -> JSONValue {
        .object(["check": .string(name), "status": .string(ok ? "ok" : "fail"), "detail": .string(detail)])
    }

    static func projections(_ rows: [JSONValue]) -> [JSONValue] {
        rows.map { p in
            let state = p["state"]?.stringValue ?? "?"
            return make("projection \(p["name"]?.stringValue ?? "?")", state == "ok" || state == "rebuilding",
                        "\(state), lag \(p["lag"]?.integerValue ?? 0), \(p["rows"]?.integerValue ?? 0) rows")
        }
    }
}
