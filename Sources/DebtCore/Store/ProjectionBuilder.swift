/// Replays the whole log, stream by stream, into a pair of projection tables: the engine of both
/// rebuild (into tables beside the live ones) and verify (into temporary tables).
///
/// Reads events up to `head` in (aggregate_type, aggregate_id, version) order through a cursor, a page
/// at a time, so the client's memory stays flat whatever the size of the log; every stream's state is
/// `StreamReplay.state`, the same reducers the append path uses. Must run inside a transaction (the
/// cursor's lifetime).
struct ProjectionBuilder {
    let session: any SQLSession
    let contactsTable: String
    let transactionsTable: String
    var pageSize = 5000
    var flushSize = 2000
    /// `work_mem` for the sort of the log: a 1,000,000-event log sorts in memory in about 250 MB; a
    /// larger one spills to disk.
    static let sortMemory = "256MB"

    /// Returns the number of events replayed; `progress` gets (events so far, head).
    func build(upTo head: Int64, progress: (Int64, Int64) throws -> Void) async throws -> Int64 {
        var processed: Int64 = 0
        var current: (StreamID, StreamReplay, Int64)?
        var contacts: [[String?]] = []
        var transactions: [[String?]] = []

        func finish(_ stream: StreamID, _ replay: StreamReplay, _ last: Int64) {
            switch replay.state {
            case .contact(let c)?: contacts.append(ProjectionRow.contactValues(c, position: last))
            case .transaction(let t)?: transactions.append(ProjectionRow.transactionValues(t, position: last))
            case nil: break
            }
        }
        // Rows go in with COPY: no JSON to build here or to parse in PostgreSQL.
        func flush(force: Bool) async throws {
            if !contacts.isEmpty, force || contacts.count >= flushSize {
                try await session.copyRows(into: contactsTable, columns: ProjectionRow.contactColumns, contacts)
                contacts.removeAll(keepingCapacity: true)
            }
            if !transactions.isEmpty, force || transactions.count >= flushSize {
                try await session.copyRows(into: transactionsTable, columns: ProjectionRow.transactionColumns, transactions)
                transactions.removeAll(keepingCapacity: true)
            }
        }

        // One sorted read through a cursor, fetched a page at a time between the COPYs on the same
        // connection. (Keyset pages of an index-ordered scan cost 11 of a rebuild's 19 s at 1,000,000
        // events: each page walks the stream index and reads the heap at random; one sort of the log
        // takes about 2.6 s.) The sort may use more memory than a query usually gets.
        _ = try await session.query("SET LOCAL work_mem = '\(Self.sortMemory)'", [])
        _ = try await session.query("SET LOCAL cursor_tuple_fraction = 1", [])
        _ = try await session.query(
            """
            DECLARE projection_replay NO SCROLL CURSOR FOR
            SELECT \(EventRow.replayColumns) FROM events WHERE events.position <= $1::bigint
             ORDER BY events.aggregate_type, events.aggregate_id, events.version
            """, [String(head)])
        let fetch = "FETCH \(pageSize) FROM projection_replay"
        let reader = Sequenced(session)
        var rows = try await session.query(fetch, [])
        while true {
            try await flush(force: false)
            // While this page is replayed here, the database reads the next (at 1,000,000 events the
            // sort and text output of the log were 5–6 s of the database's time, the replay about 5 s of
            // this process's, one after the other). The connection is not touched here until that read
            // is awaited, also when the replay fails.
            let next = rows.count == pageSize ? Task { try await reader.session.query(fetch, []) } : nil
            do {
                for row in rows {
                    let e = try EventRow.decode(row)
                    if let (stream, replay, last) = current, stream != e.stream {
                        finish(stream, replay, last)
                        current = nil
                    }
                    var replay = current?.1 ?? StreamReplay()
                    replay.apply(e)
                    current = (e.stream, replay, max(current?.2 ?? 0, e.position ?? 0))
                    processed += 1
                }
                try progress(processed, head)
            } catch {
                _ = await next?.result
                throw error
            }
            guard let next else { break }
            rows = try await next.value
        }
        _ = try await session.query("CLOSE projection_replay", [])
        if let (stream, replay, last) = current { finish(stream, replay, last) }
        try await flush(force: true)
        _ = try await session.query(
            """
            UPDATE \(contactsTable) c SET balance = s.total
              FROM (SELECT contact_id, sum(contribution) AS total FROM \(transactionsTable) GROUP BY contact_id) s
             WHERE s.contact_id = c.id
            """, [])
        return processed
    }

    /// Brings the tables from `from` up to `to`: every stream with an event in that range is replayed
    /// whole and its row replaced (or removed); balances of every contact involved are recomputed.
    func catchUp(from: Int64, to: Int64, store: EventStore) async throws -> Int64 {
        guard to > from else { return 0 }
        let ids = try await session.query(
            "SELECT DISTINCT aggregate_type, aggregate_id::text FROM events WHERE position > $1::bigint AND position <= $2::bigint",
            [String(from), String(to)])
        var contacts: [JSONValue] = []
        var transactions: [JSONValue] = []
        var removed: [String: [Identifier]] = [:]
        var balanceContacts = Set<Identifier>()
        for r in ids {
            guard let a = r[0].flatMap({ AggregateType(rawValue: $0) }), let id = r[1].flatMap({ Identifier($0) }) else { continue }
            let replay = try await store.stream(StreamID(a, id))
            let last = replay.events.compactMap(\.position).max() ?? 0
            for e in replay.events { if let c = e.data["contact_id"]?.stringValue.flatMap({ Identifier($0) }) { balanceContacts.insert(c) } }
            switch replay.state {
            case .contact(let c)?: contacts.append(ProjectionRow.contact(c, position: last)); balanceContacts.insert(c.id)
            case .transaction(let t)?: transactions.append(ProjectionRow.transaction(t, position: last))
            case nil: removed[a == .contact ? contactsTable : transactionsTable, default: []].append(id)
            }
        }
        for (table, list) in removed {
            _ = try await session.query("DELETE FROM \(table) WHERE id = ANY($1::uuid[])", [SQLText.uuidArray(list)])
        }
        if !contacts.isEmpty {
            _ = try await session.query(ProjectionRow.upsertContacts(into: contactsTable), [JSONValue.array(contacts).compactText])
        }
        if !transactions.isEmpty {
            _ = try await session.query(ProjectionRow.upsertTransactions(into: transactionsTable), [JSONValue.array(transactions).compactText])
        }
        if !balanceContacts.isEmpty {
            _ = try await session.query(
                ProjectionRow.recomputeBalances(contacts: contactsTable, transactions: transactionsTable), [SQLText.uuidArray(balanceContacts)])
        }
        return Int64(ids.count)
    }
}

/// A session handed to a task that uses it while its owner does not (the owner awaits the task before
/// its next statement), which the type system cannot see.
private struct Sequenced: @unchecked Sendable {
    let session: any SQLSession
    init(_ session: any SQLSession) { self.session = session }
}
