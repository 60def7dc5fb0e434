/// The PostgreSQL event store over any `SQLSession`: migrations, the one append path, reads and undo.
/// Every writer (server, `debtctl`, tests) goes through this type, so the rules cannot drift.
public struct EventStore {
    public let session: any SQLSession

    public init(session: any SQLSession) { self.session = session }

    /// Applies the migrations the database lacks, each in its own transaction, under an advisory lock.
    /// Returns the versions applied (empty when already current).
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await session.transaction {
            _ = try await session.query("SELECT pg_advisory_xact_lock($1::bigint)", [String(Schema.migrationLockKey)])
            try await session.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let done = Set(try await session.query("SELECT version::text FROM schema_migrations", []).compactMap { $0[0].flatMap { Int($0) } })
            if let newest = done.max(), newest > Schema.latestVersion {
                throw StoreError.schemaTooNew(found: newest, known: Schema.latestVersion)
            }
            var applied: [Int] = []
            for m in Schema.migrations where !done.contains(m.version) {
                try await session.execute(m.sql)
                _ = try await session.query(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)", [String(m.version), m.name])
                applied.append(m.version)
            }
            return applied
        }
    }

    /// The newest applied migration, 0 for an empty database.
    public func schemaVersion() async throws -> Int {
        let exists = try await session.scalar("SELECT (to_regclass('schema_migrations') IS NOT NULL)::text")
        guard exists == "true" else { return 0 }
        return Int(try await session.scalar("SELECT coalesce(max(version), 0)::text FROM schema_migrations") ?? "0") ?? 0
    }

    /// Creates a user row (events reference their owner). Password hashing is the caller's.
    public func createUser(
        id: Identifier = .random(), username: String, email: String? = nil, passwordHash: String? = nil,
        isAdmin: Bool = false
    ) async throws -> Identifier {
        _ = try await session.query(
            "INSERT INTO users (id, username, email, password_hash, is_admin) VALUES ($1::uuid, $2, $3, $4, $5::boolean)",
            [id.description, username, email, passwordHash, isAdmin ? "true" : "false"])
        return id
    }
}
