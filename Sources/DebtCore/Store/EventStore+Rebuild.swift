extension EventStore {
    public struct RebuildResult: Sendable {
        public let eventsProcessed: Int64
        /// Events appended while the rebuild ran, applied under the append lock before the swap.
        public let caughtUp: Int64
        public let head: Int64
        public let contacts: Int64
        public let transactions: Int64
    }

    /// Rebuilds both projections from the log without downtime.
    ///
    /// 1. Takes the rebuild lock (session-scoped; another rebuild gets `StoreError.busy`).
    /// 2. Builds `contacts_rebuild` and `transactions_rebuild` from every event up to the current head,
    ///    while appends go on against the live tables.
    /// 3. In one transaction under the append lock: applies the events appended meanwhile, swaps the
    ///    tables in, records the checkpoints. Readers see the old projections or the new, never half.
    /// Interrupted anywhere before that commit, the live projections are untouched; the leftover tables
    /// are dropped by the next rebuild, and the lock goes with the connection. `progress` may throw
    /// `CancellationError` to stop the rebuild (Ctrl-C in `debtctl`).
    ///
    /// `writer`, a second connection to the same database, takes the new tables' rows and builds their
    /// indexes while this session reads and replays the log (at 1,000,000 events the two, one after the
    /// other on one connection, left the machine's cores idle a third of the time). Without one, the
    /// rebuild runs on this session alone. Nothing is left running on it when this returns.
    /// `secondReader`, a third connection, reads half of the transactions' log, so that the two halves
    /// are sorted at once (see `ProjectionBuilder.replay`); it is used only beside a `writer`.
    public func rebuildProjections(
        writer: (any SQLSession)? = nil, secondReader: (any SQLSession)? = nil, progress: (Int64, Int64) throws -> Void = { _, _ in }
    ) async throws -> RebuildResult {
        let locked = try await session.scalar("SELECT pg_try_advisory_lock($1::bigint)::text", [String(Schema.rebuildLockKey)])
        guard locked == "true" else { throw StoreError.busy("another projection rebuild is running") }
        do {
            let result = try await rebuildLocked(writer: writer, secondReader: secondReader, progress: progress)
            _ = try await session.query("SELECT pg_advisory_unlock($1::bigint)", [String(Schema.rebuildLockKey)])
            return result
        } catch {
            _ = try? await session.query("SELECT pg_advisory_unlock($1::bigint)", [String(Schema.rebuildLockKey)])
            // Stopped on purpose (the progress callback threw CancellationError, or the statement was
            // cancelled: SQLSTATE 57014): the live projections are untouched and healthy, not failed.
            let cancelled = error is CancellationError || (error as? SQLError)?.sqlState == "57014"
            if !cancelled {
                _ = try? await session.query("UPDATE projection_checkpoints SET last_error = $1", [String(describing: error)])
            }
            throw error
        }
    }

    private func rebuildLocked(
        writer: (any SQLSession)?, secondReader: (any SQLSession)?, progress: (Int64, Int64) throws -> Void
    ) async throws -> RebuildResult {
        try await session.execute(
            """
            DROP TABLE IF EXISTS contacts_rebuild, transactions_rebuild;
            CREATE TABLE contacts_rebuild (LIKE contacts_projection INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            CREATE TABLE transactions_rebuild (LIKE transactions_projection INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            """)
        let head = try await headPosition()
        var builder = ProjectionBuilder(session: session, contactsTable: "contacts_rebuild", transactionsTable: "transactions_rebuild")
        builder.writer = writer
        builder.secondReader = writer == nil ? nil : secondReader
        // Each table's indexes, built once its rows are in. New tables have no statistics until
        // analysed: without them the append path's lookups by contact ran as sequential scans after a
        // rebuild (found by the benchmark: 65 writes/s at 1M events).
        builder.finishing = [
            "transactions_rebuild": """
                ALTER TABLE transactions_rebuild ADD CONSTRAINT transactions_rebuild_pkey PRIMARY KEY (id);
                CREATE INDEX transactions_rebuild_user ON transactions_rebuild (user_id, created_at);
                CREATE INDEX transactions_rebuild_contact ON transactions_rebuild (contact_id);
                ANALYZE transactions_rebuild;
                """,
            "contacts_rebuild": """
                ALTER TABLE contacts_rebuild ADD CONSTRAINT contacts_rebuild_pkey PRIMARY KEY (id);
                CREATE INDEX contacts_rebuild_user ON contacts_rebuild (user_id, name);
                ANALYZE contacts_rebuild;
                """,
        ]
        let processed = try await session.transaction { try await builder.build(upTo: head, progress: progress) }
        return try await session.transaction {
            _ = try await session.query("SELECT pg_advisory_xact_lock($1::bigint)", [String(Schema.appendLockKey)])
            let finalHead = try await headPosition()
            let caughtUp = try await builder.catchUp(from: head, to: finalHead, store: self)
            try await session.execute(
                """
                DROP TABLE contacts_projection;
                ALTER TABLE contacts_rebuild RENAME TO contacts_projection;
                ALTER INDEX contacts_rebuild_pkey RENAME TO contacts_projection_pkey;
                ALTER INDEX contacts_rebuild_user RENAME TO contacts_projection_user;
                DROP TABLE transactions_projection;
                ALTER TABLE transactions_rebuild RENAME TO transactions_projection;
                ALTER INDEX transactions_rebuild_pkey RENAME TO transactions_projection_pkey;
                ALTER INDEX transactions_rebuild_user RENAME TO transactions_projection_user;
                ALTER INDEX transactions_rebuild_contact RENAME TO transactions_projection_contact;
                """)
            _ = try await session.query(
                """
                UPDATE projection_checkpoints SET position = $1::bigint, updated_at = now(), last_rebuild_at = now(),
                       last_rebuild_events = $2::bigint, last_error = NULL
                """, [String(finalHead), String(processed)])
            let counts = try await session.query(
                "SELECT (SELECT count(*) FROM contacts_projection)::text, (SELECT count(*) FROM transactions_projection)::text", [])
            return RebuildResult(
                eventsProcessed: processed, caughtUp: caughtUp, head: finalHead,
                contacts: Int64(counts.first?[0] ?? "0") ?? 0, transactions: Int64(counts.first?[1] ?? "0") ?? 0)
        }
    }

    /// True while some session holds this database's rebuild lock (advisory locks are per database;
    /// another database on the same server may be rebuilding independently).
    public func rebuildRunning() async throws -> Bool {
        let n = try await session.scalar(
            """
            SELECT count(*)::text FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = $1::bigint
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            [String(Schema.rebuildLockKey)])
        return (Int(n ?? "0") ?? 0) > 0
    }
}
