import DebtCore
import LibPQ

/// Direct mode: PostgreSQL through libpq, with the same `EventStore` (and so the same append path and
/// rules) as the server.
final class DirectBackend {
    let connection: PQConnection
    let store: EventStore
    private var usernames: [Identifier: String]?

    init(conninfo: String) throws {
        connection = try PQConnection(conninfo)
        try connection.executeSync("SET application_name = 'debtctl'")
        store = EventStore(session: connection)
    }

    /// Fails clearly when the database has no event store (or an older schema than this program).
    func requireSchema() async throws {
        let version = try await store.schemaVersion()
        if version == 0 { throw CLIError.failure("\(connection.endpoint) has no Debt Tracker schema; run 'debt-server migrate' first") }
    }

    /// Streams the events a query matches, row by row (memory stays flat for any result size).
    func streamEvents(_ query: EventQuery, _ body: (Event) throws -> Void) throws {
        let (sql, params) = query.sql()
        try connection.stream(sql, params) { row in
            try body(try EventRow.decode(row))
            return true
        }
    }

    /// Account names by id, loaded once per command (there are few users).
    func username(_ id: Identifier?) async throws -> String {
        guard let id else { return "" }
        if usernames == nil {
            var map: [Identifier: String] = [:]
            for r in try await connection.query("SELECT id::text, username FROM users", []) {
                if let i = r[0].flatMap({ Identifier($0) }), let n = r[1] { map[i] = n }
            }
            usernames = map
        }
        return usernames?[id] ?? id.description
    }

    /// A user id from `--user` (name or id); a usage error naming the user when there is none.
    func user(_ nameOrID: String?) async throws -> Identifier? {
        guard let nameOrID else { return nil }
        guard let id = try await store.resolveUser(nameOrID) else { throw CLIError.usage("no user '\(nameOrID)'") }
        return id
    }
}
