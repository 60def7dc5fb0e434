/// Replays the whole log, stream by stream, into a pair of projection tables: the engine of both
/// rebuild (into tables beside the live ones) and verify (into temporary tables).
///
/// Reads events up to `head`, one aggregate type after the other, in (aggregate_id, version) order
/// through a cursor, a page at a time, so that the client holds one page and one stream at a time (and
/// a running balance per contact); every stream's state is `StreamReplay.state`, the same reducers the
/// append path uses. Rows go in with COPY, typed (binary where the driver can). Must run inside a
/// transaction (the cursor's lifetime).
///
/// With a `writer` session of its own (a rebuild's tables are ordinary tables, visible to another
/// connection), each batch's COPY runs on it while the next page is read and replayed, and a table's
/// `finishing` SQL (its indexes) runs there as soon as its last row is in: the transactions' indexes
/// are built while the contacts are replayed. Without one (verify's temporary tables), everything runs
/// in order on `session`.
struct ProjectionBuilder {
    let session: any SQLSession
    let contactsTable: String
    let transactionsTable: String
    /// Where the rows go; nil: `session` itself.
    var writer: (any SQLSession)?
    /// A third connection, idle, that reads half of the transactions' log (see `replay`).
    var secondReader: (any SQLSession)?
    /// SQL to run on the writer once a table (the key) has all its rows.
    var finishing: [String: String] = [:]
    var pageSize = 5000
    var flushSize = 2000
    /// `work_mem` for the sort of the log: a 1,000,000-event log sorts in memory in about 250 MB; a
    /// larger one spills to disk.
    static let sortMemory = "256MB"

    /// Returns the number of events replayed; `progress` gets (events so far, head).
    ///
    /// Transactions are replayed first: their contributions, summed per contact here (one total per
    /// contact with transactions), give each contact's balance, which goes in with the contact's row.
    /// (An `UPDATE` of every contact afterwards took 0.6 s at 1,000,000 events and left a dead version
    /// of each row behind.)
    ///
    /// The contacts' rows go on the `secondReader` when there is one (it is idle once the transactions
    /// are read): on the writer, their first COPY waited for the transactions' indexes, and the replay
    /// with it (about 0.8 s at 1,000,000 events, a core idle).
    func build(upTo head: Int64, progress: (Int64, Int64) throws -> Void) async throws -> Int64 {
        var writes = WriteQueue(session: session, writer: writer)
        var contactWrites = writer != nil && secondReader.map({ $0 !== session && $0 !== writer }) == true
            ? WriteQueue(session: session, writer: secondReader) : nil
        do {
            try await writes.commitWithoutWaiting()
            try await contactWrites?.commitWithoutWaiting()
            let processed = try await build(upTo: head, progress: progress, writes: &writes, contactWrites: &contactWrites)
            try await writes.drain()
            try await contactWrites?.drain()
            return processed
        } catch {
            // Nothing may still be using a connection when this returns (the caller rolls back, closes
            // or reuses it).
            await writes.abandon()
            await contactWrites?.abandon()
            throw error
        }
    }

    private func build(
        upTo head: Int64, progress: (Int64, Int64) throws -> Void, writes: inout WriteQueue, contactWrites: inout WriteQueue?
    ) async throws -> Int64 {
        var processed: Int64 = 0
        var balances: [Identifier: Int64] = [:]
        var transactions = CopyRows(width: ProjectionRow.transactionColumns.count)
        let (transactionsTable, contactsTable) = (self.transactionsTable, self.contactsTable)
        try await replay(.transaction, upTo: head, split: true, processed: &processed, progress: progress) { state, last in
            guard case .transaction(let t) = state else { return }
            ProjectionRow.appendTransaction(t, position: last, to: &transactions)
            let contribution = t.contribution
            if contribution != 0 {
                func add(to total: inout Int64) -> Bool {
                    let (sum, overflow) = total.addingReportingOverflow(contribution)
                    total = sum
                    return overflow
                }
                guard !add(to: &balances[t.contactID, default: 0]) else {
                    throw StoreError.corrupt("the balance of contact \(t.contactID) is out of range")
                }
            }
        } flush: { force in
            try await writes.copy(&transactions, into: transactionsTable, columns: ProjectionRow.transactionColumns, at: force ? 1 : flushSize)
        }
        if let sql = finishing[transactionsTable] { try await writes.send { try await $0.execute(sql) } }
        // The contacts' queue: their own writer's when there is one, else the transactions'.
        func contactQueue(_ work: (inout WriteQueue) async throws -> Void) async throws {
            if contactWrites != nil { try await work(&contactWrites!) } else { try await work(&writes) }
        }
        var contacts = CopyRows(width: ProjectionRow.contactCopyColumns.count)
        try await replay(.contact, upTo: head, processed: &processed, progress: progress) { state, last in
            guard case .contact(let c) = state else { return }
            ProjectionRow.appendContact(c, position: last, balance: balances[c.id] ?? 0, to: &contacts)
        } flush: { force in
            try await contactQueue { try await $0.copy(&contacts, into: contactsTable, columns: ProjectionRow.contactCopyColumns, at: force ? 1 : flushSize) }
        }
        if let sql = finishing[contactsTable] { try await contactQueue { try await $0.send { try await $0.execute(sql) } } }
        return processed
    }

    /// Replays every stream of one aggregate type up to `head`: `finish` gets each stream's final state
    /// (nil when it does not exist) and the position of its last event; `flush` is called between pages
    /// (to send what `finish` gathered when there is enough) and once at the end with `true`. With
    /// `split` and a `secondReader`, the log is read as two ranges of aggregate ids, one per
    /// connection, whose sorts run at once.
    private func replay(
        _ type: AggregateType, upTo head: Int64, split: Bool = false, processed: inout Int64, progress: (Int64, Int64) throws -> Void,
        finish: (AggregateState?, Int64) throws -> Void, flush: (Bool) async throws -> Void
    ) async throws {
        // One ordered read through a cursor, fetched a page at a time (between the COPYs when they go on
        // the same connection). The planner is told to sort rather than walk the stream index: at
        // 1,000,000 events a rebuild took 8 s walking the index against 5.5 s sorting (and keyset pages,
        // each walking the index anew, 19 s). A sort may use more memory than a query usually gets.
        //
        // No page arrives before the sort is done: 0.5–1 s for the 850,000 transaction events of the
        // benchmark, with one core idle. Split in two at the median id, each half sorted by a
        // connection of its own, both at once, the first page came in half the time. Both connections
        // see the same events: appends commit one at a time in position order (the append lock), so
        // every event up to `head` was committed before `head` was read.
        var ranges = [ReplayRange(session: Sequenced(session), ownTransaction: false, condition: "", median: nil)]
        if split, let second = secondReader, second !== session, second !== writer, let median = try await medianAggregateID() {
            ranges = [
                ReplayRange(session: Sequenced(session), ownTransaction: false, condition: "AND events.aggregate_id < $3::uuid", median: median),
                ReplayRange(session: Sequenced(second), ownTransaction: true, condition: "AND events.aggregate_id >= $3::uuid", median: median),
            ]
        }
        // Reading ahead needs the connection to itself: without a writer, the COPYs between pages go
        // on it too.
        let (fetch, page) = ("FETCH \(pageSize) FROM projection_replay", writer.map { $0 !== session } ?? false ? pageSize : nil)
        // Every range's first page is asked for at once; the ranges are then replayed in order (the
        // first's ids all sort before the second's).
        var first: [Task<[LoggedEvent], any Error>] = []
        do {
            for r in ranges {
                if r.ownTransaction { try await r.session.session.execute("BEGIN") }
                _ = try await r.session.session.query("SET LOCAL work_mem = '\(Self.sortMemory)'", [])
                _ = try await r.session.session.query("SET LOCAL cursor_tuple_fraction = 1", [])
                _ = try await r.session.session.query(
                    """
                    DECLARE projection_replay NO SCROLL CURSOR FOR
                    SELECT \(session.replayColumns) FROM events
                     WHERE events.position <= $1::bigint AND events.aggregate_type = $2 \(r.condition)
                     ORDER BY events.aggregate_id, events.version
                    """, [String(head), type.rawValue] + (r.median.map { [$0.description] } ?? []))
            }
            for r in ranges {
                let reader = r.session
                first.append(Task(executorPreference: r.thread) { try await reader.session.replayEvents(fetch, readAhead: page) })
            }
            // The stream being replayed; it continues from one page into the next.
            var stream: StreamID?
            var current = StreamReplay<LoggedEvent>()
            var last: Int64 = 0
            for (r, firstPage) in zip(ranges, first) {
                let reader = r.session
                var events = try await firstPage.value
                while true {
                    try await flush(false)
                    // While this page is replayed here, the next is read and decoded in a task (at
                    // 1,000,000 events the read was 5–6 s of the database's time and the replay about
                    // 5 s of this process's, one after the other), on a thread of its own
                    // (`BlockingExecutor`), while PostgreSQL already produces the page after it
                    // (`readAhead`). The connection is not touched here until that read is awaited,
                    // also when the replay fails.
                    let next = events.count == pageSize ? Task(executorPreference: r.thread) {
                        try await reader.session.replayEvents(fetch, readAhead: page)
                    } : nil
                    do {
                        for e in events {
                            if let s = stream, s != e.stream {
                                try finish(current.state, last)
                                current = StreamReplay<LoggedEvent>()
                                last = 0
                            }
                            // Applied in place: a copy of the replay taken out of an optional, appended
                            // to and put back shared its event array, which was then copied for every
                            // event.
                            stream = e.stream
                            last = max(last, e.position ?? 0)
                            current.apply(e)  // its last use: moved in, not copied
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
                _ = try await reader.session.query("CLOSE projection_replay", [])
                if r.ownTransaction { try await reader.session.execute("COMMIT") }
            }
            if stream != nil { try finish(current.state, last) }
            try await flush(true)
        } catch {
            // Nothing may still be using a connection when this returns; a range's own transaction
            // ends here (the caller ends `session`'s).
            for t in first { _ = await t.result }
            for r in ranges where r.ownTransaction { try? await r.session.session.execute("ROLLBACK") }
            throw error
        }
    }

    /// The median of the log's aggregate ids by the planner's statistics (the middle bound of the
    /// column's histogram), or nil when there are none (a log never analysed).
    func medianAggregateID() async throws -> Identifier? {
        let bound = try await session.scalar(
            """
            SELECT b[array_length(b, 1) / 2 + 1]::text
              FROM (SELECT histogram_bounds::text::uuid[] AS b FROM pg_stats
                     WHERE schemaname = current_schema() AND tablename = 'events' AND attname = 'aggregate_id') s
            """)
        return bound.flatMap { Identifier($0) }
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

/// One range of a replay's read: a cursor on `session` over the events that `condition` (SQL appended
/// to the cursor's WHERE, comparing with `median` as `$3`) selects, read on a thread of its own.
private struct ReplayRange {
    let session: Sequenced
    /// The cursor needs a transaction of its own on `session` (begun and ended by the replay).
    let ownTransaction: Bool
    let condition: String
    let median: Identifier?
    let thread = BlockingExecutor(label: "projection-replay-read")
}

/// A session handed to a task that uses it while its owner does not (the owner awaits the task before
/// its next statement), which the type system cannot see.
private struct Sequenced: @unchecked Sendable {
    let session: any SQLSession
    init(_ session: any SQLSession) { self.session = session }
}

/// The builder's writes, one at a time. With a writer session of its own, a write runs in a task while
/// the builder goes on reading and replaying, and the next write first waits for it (so that at most
/// one batch is on its way and one is being gathered); on `session` itself each write runs at once,
/// since the session's connection is also reading.
private struct WriteQueue {
    private let target: Sequenced
    private let overlapped: Bool
    private var pending: Task<Void, any Error>?
    /// The writes' thread: a COPY blocks its thread until PostgreSQL has taken the rows.
    private let thread = BlockingExecutor(label: "projection-replay-write")

    init(session: any SQLSession, writer: (any SQLSession)?) {
        target = Sequenced(writer ?? session)
        overlapped = writer.map { $0 !== session } ?? false
    }

    mutating func send(_ work: @escaping @Sendable (any SQLSession) async throws -> Void) async throws {
        try await drain()
        let target = target
        if overlapped {
            pending = Task(executorPreference: thread) { try await work(target.session) }
        } else {
            try await work(target.session)
        }
    }

    /// On a writer of its own, each batch is a transaction that commits without waiting for its WAL
    /// to reach the disk (`synchronous_commit = off` for the rest of that connection's session).
    /// Nothing is lost that matters: the new tables count once the swap commits, on the reading
    /// session, which waits for all the WAL written before it. (Never on the reading session itself,
    /// whose transaction is the swap's.)
    ///
    /// Runs at once, not queued: the contacts' writer is also the second reader, which starts reading
    /// as soon as this returns (queued, the SET and the reader's BEGIN met on one connection from two
    /// threads, and the full test run hung on it).
    mutating func commitWithoutWaiting() async throws {
        guard overlapped else { return }
        try await drain()
        try await target.session.execute("SET synchronous_commit = off")
    }

    /// Sends `rows` with COPY, and empties them, once they number `threshold` or more.
    mutating func copy(_ rows: inout CopyRows, into table: String, columns: [String], at threshold: Int) async throws {
        guard !rows.isEmpty, rows.count >= threshold else { return }
        let batch = rows
        rows.removeAll()
        try await send { try await $0.copyRows(into: table, columns: columns, batch) }
    }

    /// Waits for the write on its way; throws its failure.
    mutating func drain() async throws {
        guard let p = pending else { return }
        pending = nil
        try await p.value
    }

    /// Waits for the write on its way, ignoring its outcome (the builder is failing already).
    mutating func abandon() async {
        _ = await pending?.result
        pending = nil
    }
}
