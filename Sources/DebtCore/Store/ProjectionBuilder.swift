/// Replays the whole log, stream by stream, into a pair of projection tables: the engine of both
/// rebuild (into tables beside the live ones) and verify (into temporary tables).
///
/// Reads events up to `head`, one aggregate type at a time, in (aggregate_id, version) order through a
/// cursor, a page at a time, so that the client holds one page and one stream at a time (and a running
/// balance per contact); every stream's state is `StreamReplay.state`, the same reducers the append path
/// uses. Rows go in with COPY, typed (binary where the driver can).
///
/// Without a `writer` (verify's temporary tables, the server's admin rebuild) everything runs in order
/// on `session`, inside the caller's transaction (the cursor's lifetime). With a `writer`, a second
/// connection to the same database (a rebuild's tables are ordinary tables, visible to it), the work is
/// spread over both (see `ProjectionBuilder+Overlapped.swift`); call it outside a transaction then.
struct ProjectionBuilder {
    let session: any SQLSession
    let contactsTable: String
    let transactionsTable: String
    /// Where the rows go; nil: `session` itself.
    var writer: (any SQLSession)?
    /// Statements to run once a table (the key) has all its rows, such as its indexes and `ANALYZE`.
    /// They must not depend on each other: with a writer they are spread over both connections and may
    /// run at the same time; without one they run in order on `session`.
    var finishing: [String: [String]] = [:]
    /// With a writer: replay the contacts while PostgreSQL sorts the transactions' events for their
    /// first page, and keep their rows here until the balances are known (about 500 bytes a contact, as measured at 100,000).
    /// The caller turns it off where the contacts are too many to keep (`heldContactsLimit`); they are
    /// then replayed after the transactions.
    var holdContacts = true
    var pageSize = 5000
    var flushSize = 2000
    /// `work_mem` for the sort of the log: a 1,000,000-event log sorts in memory in about 250 MB; a
    /// larger one spills to disk.
    static let sortMemory = "256MB"
    /// The most contacts a rebuild keeps in memory to replay them early (about 125 MB).
    static let heldContactsLimit = 250_000

    /// True when a writer session of its own takes the rows.
    var overlapped: Bool { writer.map { $0 !== session } ?? false }

    /// Returns the number of events replayed; `progress` gets (events so far, head).
    ///
    /// Transactions are replayed before their contacts' rows are written: their contributions, summed
    /// per contact here (one total per contact with transactions), give each contact's balance, which
    /// goes in with the contact's row. (An `UPDATE` of every contact afterwards took 0.6 s at 1,000,000
    /// events and left a dead version of each row behind.)
    func build(upTo head: Int64, progress: (Int64, Int64) throws -> Void) async throws -> Int64 {
        if let writer, overlapped { return try await buildOverlapped(upTo: head, writer: writer, progress: progress) }
        var writes = WriteQueue(session: session, writer: nil)
        var processed: Int64 = 0
        var balances: [Identifier: Int64] = [:]
        var transactions = CopyRows(width: ProjectionRow.transactionColumns.count)
        let (transactionsTable, flushSize) = (self.transactionsTable, self.flushSize)
        try await declareCursor(.transaction, on: session, upTo: head)
        try await replay(from: session, upTo: head, processed: &processed, progress: progress) { state, last in
            try addTransaction(state, position: last, to: &transactions, balances: &balances)
        } flush: { force in
            try await writes.copy(&transactions, into: transactionsTable, columns: ProjectionRow.transactionColumns, at: force ? 1 : flushSize)
        }
        for sql in finishing[transactionsTable] ?? [] { try await session.execute(sql) }
        try await replayContacts(upTo: head, balances: balances, processed: &processed, writes: &writes, progress: progress)
        for sql in finishing[contactsTable] ?? [] { try await session.execute(sql) }
        return processed
    }

    /// Replays the contacts on `session` (inside a transaction there) and sends their rows, each with
    /// its balance from `balances`, through `writes`.
    func replayContacts(
        upTo head: Int64, balances: [Identifier: Int64], processed: inout Int64, writes: inout WriteQueue,
        progress: (Int64, Int64) throws -> Void
    ) async throws {
        var contacts = CopyRows(width: ProjectionRow.contactCopyColumns.count)
        let (contactsTable, flushSize) = (self.contactsTable, self.flushSize)
        try await declareCursor(.contact, on: session, upTo: head)
        try await replay(from: session, upTo: head, processed: &processed, progress: progress) { state, last in
            guard case .contact(let c) = state else { return }
            ProjectionRow.appendContact(c, position: last, balance: balances[c.id] ?? 0, to: &contacts)
        } flush: { force in
            try await writes.copy(&contacts, into: contactsTable, columns: ProjectionRow.contactCopyColumns, at: force ? 1 : flushSize)
        }
    }

    /// Appends a replayed transaction's row and adds its contribution to its contact's balance.
    func addTransaction(_ state: AggregateState?, position: Int64, to rows: inout CopyRows, balances: inout [Identifier: Int64]) throws {
        guard case .transaction(let t) = state else { return }
        ProjectionRow.appendTransaction(t, position: position, to: &rows)
        let contribution = t.contribution
        guard contribution != 0 else { return }
        func add(to total: inout Int64) -> Bool {
            let (sum, overflow) = total.addingReportingOverflow(contribution)
            total = sum
            return overflow
        }
        guard !add(to: &balances[t.contactID, default: 0]) else {
            throw StoreError.corrupt("the balance of contact \(t.contactID) is out of range")
        }
    }

    /// Opens the cursor `replay` reads on `reader` (inside a transaction there): every event of `type` up
    /// to `head`, in stream order. The planner is told to sort rather than walk the stream index: at
    /// 1,000,000 events a rebuild took 8 s walking the index against 5.5 s sorting (and keyset pages,
    /// each walking the index anew, 19 s). A sort may use more memory than a query usually gets.
    func declareCursor(_ type: AggregateType, on reader: any SQLSession, upTo head: Int64) async throws {
        _ = try await reader.query("SET LOCAL work_mem = '\(Self.sortMemory)'", [])
        _ = try await reader.query("SET LOCAL cursor_tuple_fraction = 1", [])
        _ = try await reader.query(
            """
            DECLARE projection_replay NO SCROLL CURSOR FOR
            SELECT \(reader.replayColumns) FROM events
             WHERE events.position <= $1::bigint AND events.aggregate_type = $2
             ORDER BY events.aggregate_id, events.version
            """, [String(head), type.rawValue])
    }

    /// The statement that reads the next page of the cursor `declareCursor` opened.
    var fetchPage: String { "FETCH \(pageSize) FROM projection_replay" }

    /// Replays every stream of the cursor `declareCursor` opened on `reader`, then closes it: `finish`
    /// gets each stream's final state (nil when it does not exist) and the position of its last event;
    /// `flush` is called between pages (to send what `finish` gathered when there is enough) and once at
    /// the end with `true`. `first`, when given, is the read of the first page, already on its way.
    func replay(
        from reader: any SQLSession, upTo head: Int64, first: Task<[Event], any Error>? = nil, processed: inout Int64,
        progress: (Int64, Int64) throws -> Void, finish: (AggregateState?, Int64) throws -> Void, flush: (Bool) async throws -> Void
    ) async throws {
        let fetch = fetchPage
        let handle = Sequenced(reader)
        var events: [Event]
        if let first { events = try await first.value } else { events = try await reader.replayEvents(fetch) }
        // The stream being replayed; it continues from one page into the next.
        var stream: StreamID?
        var current = StreamReplay()
        var last: Int64 = 0
        while true {
            try await flush(false)
            // While this page is replayed here, the next is read and decoded in a task (at 1,000,000
            // events the read was 5–6 s of the database's time and the replay about 5 s of this
            // process's, one after the other). The connection is not touched here until that read is
            // awaited, also when the replay fails.
            let next = events.count == pageSize ? Task { try await handle.session.replayEvents(fetch) } : nil
            do {
                for e in events {
                    if let s = stream, s != e.stream {
                        try finish(current.state, last)
                        // A fresh replay, not a copy of the finished one's storage.
                        current = StreamReplay()
                        last = 0
                    }
                    stream = e.stream
                    current.apply(e)
                    last = max(last, e.position ?? 0)
                    processed += 1
                }
                try progress(processed, head)
            } catch {
                _ = await next?.result
                throw error
            }
            guard let next else { break }
            events = try await next.value
        }
        _ = try await reader.query("CLOSE projection_replay", [])
        if stream != nil { try finish(current.state, last) }
        try await flush(true)
    }
}
