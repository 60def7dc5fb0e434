extension EventStore {
    public func events(_ query: EventQuery) async throws -> [Event] {
        let (sql, params) = query.sql()
        return try await session.query(sql, params).map(EventRow.decode)
    }

    public func event(id: Identifier) async throws -> Event? {
        try await session.query("SELECT \(EventRow.columns) FROM events WHERE event_id = $1::uuid", [id.description])
            .first.map(EventRow.decode)
    }

    /// Every event of one stream, in version order.
    public func stream(_ stream: StreamID) async throws -> StreamReplay<Event> {
        let rows = try await session.query(
            "SELECT \(EventRow.columns) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2::uuid ORDER BY events.version",
            [stream.aggregateType.rawValue, stream.aggregateID.description])
        return StreamReplay(try rows.map(EventRow.decode))
    }

    /// A user's events after a position, in log order: the gap-free sync cursor.
    public func events(of user: Identifier, after position: Int64, limit: Int) async throws -> [Event] {
        var q = EventQuery()
        q.userID = user
        q.afterPosition = position
        q.limit = limit
        return try await events(q)
    }

    /// The stored sync hash of a user: O(1), kept up to date by every append.
    public func syncHash(of user: Identifier) async throws -> (hash: SyncHash, lastEventAt: Timestamp?) {
        let rows = try await session.query(
            "SELECT encode(hash, 'hex'), event_count::text, \(SQLText.micros("last_event_at")) FROM sync_state WHERE user_id = $1::uuid",
            [user.description])
        guard let r = rows.first else { return (SyncHash(), nil) }
        guard let count = r[1].flatMap({ Int64($0) }), let hash = r[0].flatMap({ SyncHash(hex: $0, count: count) }) else {
            throw StoreError.corrupt("sync state of \(user)")
        }
        return (hash, r[2].flatMap { Int64($0) }.map { Timestamp(microseconds: $0) })
    }

    /// The highest position in the log (0 when empty).
    public func headPosition() async throws -> Int64 {
        Int64(try await session.scalar("SELECT coalesce(max(position), 0)::text FROM events") ?? "0") ?? 0
    }
}
