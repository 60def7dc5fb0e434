import DebtCore

/// The seam between commands and a deployment: PostgreSQL directly (`DirectBackend`) or the server's
/// admin API (`ServerBackend`). Both return the same records, so output does not depend on the backend.
protocol Backend: AnyObject {
    /// "PostgreSQL 127.0.0.1:5432/debt as ops" or "server https://…": what `-v` reports.
    var endpoint: String { get }

    func resolveUser(_ nameOrID: String?) async throws -> Identifier?
    /// Account names by id, loaded once and kept until `fresh` or the next command of a shell session
    /// (there are few users).
    func usernames(fresh: Bool) throws -> [Identifier: String]
    /// The events a query matches, in its order, handed over one at a time as they arrive. Synchronous
    /// underneath (libpq, libcurl), so the line editor's completion can use it from a key binding.
    func eachEvent(_ query: EventQuery, _ body: (Event) throws -> Void) throws
    /// `eachEvent` with each event's owner's account name ("" when unknown).
    func eachNamedEvent(_ query: EventQuery, _ body: (Event, String) throws -> Void) throws
    /// An event and the UNDO events that name it; throws not found.
    func eventDetail(_ id: Identifier) async throws -> (event: Event, undoneBy: [Identifier])
    func stream(_ id: StreamID) async throws -> StreamReplay<Event>
    func contacts(_ filter: EventStore.ListFilter) async throws -> [JSONValue]
    func transactions(_ filter: EventStore.ListFilter, id: Identifier?) async throws -> [JSONValue]
    func totals(userID: Identifier?) async throws -> [JSONValue]
    func users(id: Identifier?) async throws -> [JSONValue]
    func projectionStatus() async throws -> [JSONValue]
    func headPosition() async throws -> Int64
    func rebuildRunning() async throws -> Bool
    func rebuild(progress: @escaping (Int64, Int64) -> Void) async throws -> JSONValue
    func verify(progress: @escaping (Int64, Int64) -> Void) async throws -> (head: Int64, replayed: Int64, drifts: [JSONValue])
    /// The undo plan (`UndoPlan.json`) and, unless a dry run, where the UNDO landed (nil: nothing appended).
    func undo(_ id: Identifier, reason: String?, actor: String, dryRun: Bool) async throws -> (plan: JSONValue, appendedAt: Int64?)
    /// Named checks, each `{"check", "status": ok|fail, "detail"}`.
    func health() async throws -> [JSONValue]
    /// Returns when events after `position` may have been appended, or after about `timeout` seconds.
    func waitForEvents(after position: Int64, timeout: Double) async throws
    /// Called before each command of a shell session on a kept backend: forgets what was cached for
    /// the previous command and reconnects a dropped connection without bothering the operator.
    /// Returns true when it reconnected.
    func keepAlive() throws -> Bool
}

extension Backend {
    func usernames() async throws -> [Identifier: String] { try usernames(fresh: false) }

    func streamEvents(_ query: EventQuery, _ body: (Event) throws -> Void) async throws { try eachEvent(query, body) }

    /// Values for completion: recent event ids or streams (newest first, without repeats) and user names.
    func completionValues(_ kind: OptionSpec.Completion) throws -> [String] {
        switch kind {
        case .user:
            return try usernames(fresh: false).values.sorted()
        case .eventID, .streamID:
            var q = EventQuery()
            q.newestFirst = true
            q.limit = 50
            var seen = Set<String>()
            var out: [String] = []
            try eachEvent(q) { e in
                let v = kind == .eventID ? e.id.description : e.stream.description
                if seen.insert(v).inserted { out.append(v) }
            }
            return out
        default:
            return []
        }
    }
}
