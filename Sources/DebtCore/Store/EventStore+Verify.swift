extension EventStore {
    /// One projection row that differs from the replay of the log.
    public struct Drift: Sendable, Hashable {
        public enum Kind: String, Sendable { case missing, extra, differs }
        public let projection: String
        public let id: Identifier
        public let kind: Kind
        /// For `differs`: the columns whose values differ.
        public let columns: [String]

        public var json: JSONValue {
            .object([
                "projection": .string(projection), "id": .string(id.description), "problem": .string(kind.rawValue),
                "columns": .string(columns.joined(separator: ",")),
            ])
        }
    }

    public struct VerifyReport: Sendable {
        public let head: Int64
        public let eventsReplayed: Int64
        public let drifts: [Drift]
    }

    /// Replays the log through the reducers into temporary tables and compares them with the live
    /// projections, row by row and column by column. Runs in one REPEATABLE READ snapshot, in which the
    /// live tables hold exactly the effect of the snapshot's events (appends are atomic), so writers go on
    /// undisturbed and the comparison is exact. Nothing is changed.
    public func verifyProjections(progress: (Int64, Int64) -> Void = { _, _ in }) async throws -> VerifyReport {
        try await session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        do {
            let head = try await headPosition()
            try await session.execute(
                """
                CREATE TEMP TABLE contacts_verify (LIKE contacts_projection INCLUDING DEFAULTS) ON COMMIT DROP;
                CREATE TEMP TABLE transactions_verify (LIKE transactions_projection INCLUDING DEFAULTS) ON COMMIT DROP;
                """)
            let builder = ProjectionBuilder(session: session, contactsTable: "contacts_verify", transactionsTable: "transactions_verify")
            let replayed = try await builder.build(upTo: head, progress: progress)
            var drifts: [Drift] = []
            for (name, live, replay) in [("contacts", "contacts_projection", "contacts_verify"), ("transactions", "transactions_projection", "transactions_verify")] {
                for r in try await session.query(
                    """
                    SELECT coalesce(v.id, p.id)::text, to_jsonb(v)::text, to_jsonb(p)::text
                      FROM \(replay) v FULL JOIN \(live) p ON p.id = v.id
                     WHERE to_jsonb(v) IS DISTINCT FROM to_jsonb(p)
                     ORDER BY 1
                    """, [])
                {
                    guard let id = r[0].flatMap({ Identifier($0) }) else { continue }
                    guard let v = r[1], let p = r[2] else {
                        drifts.append(Drift(projection: name, id: id, kind: r[2] == nil ? .missing : .extra, columns: []))
                        continue
                    }
                    let expected = (try? JSONValue(parsing: v))?.objectValue ?? [:]
                    let actual = (try? JSONValue(parsing: p))?.objectValue ?? [:]
                    let columns = Set(expected.keys).union(actual.keys).filter { expected[$0] != actual[$0] }.sorted()
                    drifts.append(Drift(projection: name, id: id, kind: .differs, columns: columns))
                }
            }
            try await session.execute("ROLLBACK")
            return VerifyReport(head: head, eventsReplayed: replayed, drifts: drifts)
        } catch {
            try? await session.execute("ROLLBACK")
            throw error
        }
    }
}
