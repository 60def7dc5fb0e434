extension EventStore {
    /// Each projection's health. Fields: name, checkpoint, head, lag, rows, state (`ok`, `lagging`,
    /// `rebuilding`, `failed`), rebuild_running, last_rebuild_at, last_rebuild_events, last_error, updated_at;
    /// plus the contract's `last_event_id` (the head) and `is_up_to_date`.
    ///
    /// Appends update projections in the same transaction, so lag is 0 unless something is wrong;
    /// a rebuild in progress serves the old tables and shows as `rebuilding`.
    public func projectionStatus() async throws -> [JSONValue] {
        let head = try await headPosition()
        let rebuilding = try await rebuildRunning()
        let rows = try await session.query(
            """
            SELECT p.name, p.position::text, \(SQLText.micros("p.updated_at")), \(SQLText.micros("p.last_rebuild_at")),
                   p.last_rebuild_events::text, p.last_error,
                   CASE p.name WHEN 'contacts' THEN (SELECT count(*) FROM contacts_projection)
                               WHEN 'transactions' THEN (SELECT count(*) FROM transactions_projection) END::text
              FROM projection_checkpoints p ORDER BY p.name
            """, [])
        return rows.map { r in
            let checkpoint = Int64(r[1] ?? "0") ?? 0
            let lag = max(0, head - checkpoint)
            let state = r[5] != nil ? "failed" : rebuilding ? "rebuilding" : lag > 0 ? "lagging" : "ok"
            return .object([
                "name": .string(r[0] ?? ""), "checkpoint": .integer(checkpoint), "head": .integer(head), "lag": .integer(lag),
                "rows": .integer(Int64(r[6] ?? "0") ?? 0), "state": .string(state), "rebuild_running": .bool(rebuilding),
                "updated_at": SQLText.timestamp(r[2]), "last_rebuild_at": SQLText.timestamp(r[3]),
                "last_rebuild_events": r[4].flatMap { Int64($0) }.map { .integer($0) } ?? .null,
                "last_error": r[5].map { .string($0) } ?? .null, "last_event_id": .integer(head), "is_up_to_date": .bool(lag == 0),
            ])
        }
    }
}
