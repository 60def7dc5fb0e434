@testable import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("Rebuild and verify")
struct RebuildVerifyTests {
    /// Appends a small ledger with updates, deletes and an undo; returns the contact ids.
    func seed(_ store: EventStore, user: Identifier, contacts: Int = 5) async throws -> [Identifier] {
        var f = EventFactory(user: user)
        var ids: [Identifier] = []
        for i in 0..<contacts {
            let c = f.contactCreated(name: "c\(i)")
            let t1 = f.transactionCreated(contact: c.aggregateID, amount: Int64(100 * (i + 1)))
            let t2 = f.transactionCreated(contact: c.aggregateID, amount: 30, direction: "owed")
            _ = try await store.append([c, t1, t2, f.transactionUpdated(t1.aggregateID, version: 2, amount: 999)], options: .client)
            if i % 2 == 0 { _ = try await store.append([f.deleted(.transaction, t2.aggregateID, version: 2)], options: .client) }
            if i == 1 { _ = try await store.undo(eventID: t1.id, metadata: EventMetadata(actor: "t", reason: "r"), dryRun: false) }
            ids.append(c.aggregateID)
        }
        return ids
    }

    @Test("verify finds nothing on consistent projections, and names every kind of drift")
    func verifyDetectsDrift() async throws {
        let (url, store) = try await TestDatabase.store()
        let ids = try await seed(store, user: try await store.createUser(username: "u"))
        let clean = try await store.verifyProjections()
        #expect(clean.drifts.isEmpty)
        #expect(clean.eventsReplayed == clean.head)

        let db = try PQConnection(url)
        _ = try db.querySync("UPDATE contacts_projection SET balance = balance + 1, name = 'tampered' WHERE id = $1::uuid", [ids[0].description])
        _ = try db.querySync("DELETE FROM contacts_projection WHERE id = $1::uuid", [ids[1].description])
        _ = try db.querySync(
            "INSERT INTO transactions_projection SELECT (md5('x')::uuid), user_id, contact_id, amount, direction, type, currency, description, transaction_date, due_date, comment, contribution, is_deleted, version, created_at, updated_at, last_position FROM transactions_projection LIMIT 1", [])
        let report = try await store.verifyProjections()
        let byID = Dictionary(uniqueKeysWithValues: report.drifts.map { ($0.id, $0) })
        #expect(report.drifts.count == 3)
        #expect(byID[ids[0]]?.kind == .differs)
        #expect(byID[ids[0]]?.columns == ["balance", "name"])
        #expect(byID[ids[1]]?.kind == .missing)
        #expect(report.drifts.contains { $0.kind == .extra && $0.projection == "transactions" })
    }

    @Test("rebuild repairs drift and reproduces the live projections exactly")
    func rebuildRepairs() async throws {
        let (url, store) = try await TestDatabase.store()
        let ids = try await seed(store, user: try await store.createUser(username: "u"))
        let db = try PQConnection(url)
        let before = try db.querySync("SELECT to_jsonb(c)::text FROM contacts_projection c ORDER BY id", [])
        _ = try db.querySync("UPDATE contacts_projection SET balance = 0 WHERE id = $1::uuid", [ids[2].description])
        #expect(try await store.verifyProjections().drifts.count == 1)
        var seen: [Int64] = []
        let result = try await store.rebuildProjections { done, _ in seen.append(done) }
        #expect(result.eventsProcessed == result.head)
        #expect(seen.last == result.head)
        #expect(try await store.verifyProjections().drifts.isEmpty)
        #expect(try db.querySync("SELECT to_jsonb(c)::text FROM contacts_projection c ORDER BY id", []) == before)
        let checkpoints = try db.querySync("SELECT position::text, last_rebuild_events::text, last_error FROM projection_checkpoints", [])
        #expect(checkpoints.allSatisfy { $0 == [String(result.head), String(result.head), nil] })
        // The swapped-in tables keep working for the append path, and can be rebuilt again.
        var f = EventFactory(user: try await store.createUser(username: "v"))
        let c = f.contactCreated()
        #expect(try await store.append([c, f.transactionCreated(contact: c.aggregateID, amount: 5)], options: .client).allSatisfy(\.isAccepted))
        _ = try await store.rebuildProjections()
        #expect(try await store.verifyProjections().drifts.isEmpty)
    }

    /// Every row of `table` as JSON text, in id order.
    func rows(_ db: PQConnection, _ table: String) throws -> [[String?]] {
        try db.querySync("SELECT to_jsonb(t)::text FROM \(table) t ORDER BY id", [])
    }

    @Test("rebuild through a second connection reproduces the live projections exactly")
    func rebuildWithWriter() async throws {
        let (url, store) = try await TestDatabase.store()
        _ = try await seed(store, user: try await store.createUser(username: "u"), contacts: 12)
        let db = try PQConnection(url)
        let (contacts, transactions) = (try rows(db, "contacts_projection"), try rows(db, "transactions_projection"))
        #expect(contacts.count == 12 && transactions.count >= 20)
        let result = try await store.rebuildProjections(writer: try PQConnection(url))
        #expect(result.eventsProcessed == result.head && result.contacts == 12 && result.transactions == Int64(transactions.count))
        #expect(try rows(db, "contacts_projection") == contacts)
        #expect(try rows(db, "transactions_projection") == transactions)
        let indexes = try db.querySync(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('contacts_projection', 'transactions_projection') ORDER BY 1", [])
        #expect(indexes.map { $0[0] ?? "" } == [
            "contacts_projection_pkey", "contacts_projection_user", "transactions_projection_contact", "transactions_projection_pkey",
            "transactions_projection_user",
        ])
    }

    /// A database seeded with `contacts` ledgers, and empty tables `c_scratch` and `t_scratch` shaped
    /// like the projections, for a builder to fill.
    func scratch(contacts: Int) async throws -> (url: String, store: EventStore, db: PQConnection) {
        let (url, store) = try await TestDatabase.store()
        _ = try await seed(store, user: try await store.createUser(username: "u"), contacts: contacts)
        let db = try PQConnection(url)
        try db.executeSync(
            """
            CREATE TABLE c_scratch (LIKE contacts_projection INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            CREATE TABLE t_scratch (LIKE transactions_projection INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            """)
        return (url, store, db)
    }

    /// A builder of `c_scratch` and `t_scratch` in pages of 7 events and batches of 3 rows, whose
    /// finishing SQL records, for each table, the rows it had then and the connection that ran it.
    func smallBuilder(_ db: PQConnection, writer: PQConnection, second: PQConnection?) -> ProjectionBuilder {
        var builder = ProjectionBuilder(session: db, contactsTable: "c_scratch", transactionsTable: "t_scratch")
        builder.writer = writer
        builder.secondReader = second
        builder.pageSize = 7
        builder.flushSize = 3
        builder.finishing = [
            "t_scratch": "CREATE TABLE t_done AS SELECT count(*) AS n, pg_backend_pid() AS pid FROM t_scratch",
            "c_scratch": "CREATE TABLE c_done AS SELECT count(*) AS n, pg_backend_pid() AS pid FROM c_scratch",
        ]
        return builder
    }

    /// Empties the scratch tables of a finished `smallBuilder` run, then builds again in a transaction
    /// on `db`, stopped by the progress callback (as Ctrl-C stops it) on page `atPage`: the failure
    /// surfaces as itself.
    func stopBuild(_ builder: ProjectionBuilder, db: PQConnection, head: Int64, atPage: Int) async throws {
        try db.executeSync("DROP TABLE t_done, c_done; TRUNCATE c_scratch, t_scratch")
        var pages = 0
        await #expect(throws: CancellationError.self) {
            try await db.transaction {
                try await builder.build(upTo: head) { _, _ in
                    pages += 1
                    if pages == atPage { throw CancellationError() }
                }
            }
        }
    }

    @Test("the builder in small pages and batches, writing on a second connection: the same rows, each table finished after its last row; a failure midway leaves both connections idle")
    func builderOverlapped() async throws {
        let (url, store, db) = try await scratch(contacts: 30)
        let writer = try PQConnection(url)
        // Run on the writer once each table is complete: what they see is counted then.
        let builder = smallBuilder(db, writer: writer, second: nil)
        let head = try await store.headPosition()
        let processed = try await db.transaction { try await builder.build(upTo: head, progress: { _, _ in }) }
        #expect(processed == head)
        #expect(try rows(db, "c_scratch") == rows(db, "contacts_projection"))
        #expect(try rows(db, "t_scratch") == rows(db, "transactions_projection"))
        let live = try db.querySync(
            "SELECT (SELECT count(*) FROM transactions_projection)::text, (SELECT count(*) FROM contacts_projection)::text", [])
        #expect(live == [[live[0][0], "30"]])
        #expect(try db.querySync("SELECT (SELECT n FROM t_done)::text, (SELECT n FROM c_done)::text", []) == live)
        // The writer's batches commit without waiting for the disk (set for its session); the reading
        // session, whose transaction a rebuild's swap is, keeps the server's setting (the test
        // clusters' own is off).
        let commits = "SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'"
        #expect(try writer.querySync(commits, []) == [["off", "session"]])
        #expect(try db.querySync(commits, []).first?[1] != "session")
        let writerPID = try writer.querySync("SELECT pg_backend_pid()::text", [])[0][0]
        #expect(try db.querySync("SELECT (SELECT pid FROM t_done)::text, (SELECT pid FROM c_done)::text", []) == [[writerPID, writerPID]])

        // A failure in the middle (the progress callback stops it, as Ctrl-C does) surfaces as itself,
        // and neither connection is left with a statement running.
        try await stopBuild(builder, db: db, head: head, atPage: 4)
        #expect(try db.querySync("SELECT 1::text", []) == [["1"]])
        #expect(try writer.querySync("SELECT 1::text", []) == [["1"]])
        let written = try db.querySync("SELECT count(*)::text FROM t_scratch", [])[0][0].flatMap { Int($0) } ?? -1
        let total = Int(live[0][0] ?? "") ?? 0
        #expect(written > 0 && written < total, "the batches sent before the failure are in, no more: \(written) of \(total)")
    }

    @Test("the builder with a second reader: the transactions read as two ranges split at the analysed median id, the contacts written on the second reader; the same rows; a failure in the second range leaves all three connections idle")
    func builderSplit() async throws {
        let (url, store, db) = try await scratch(contacts: 30)
        try db.executeSync("ANALYZE events")
        let (writer, second) = (try PQConnection(url), try PQConnection(url))
        let builder = smallBuilder(db, writer: writer, second: second)
        let median = try #require(try await builder.medianAggregateID())
        let below = try db.querySync(
            "SELECT count(*)::text FROM events WHERE aggregate_type = 'transaction' AND aggregate_id < $1::uuid", [median.description])
        let firstRange = Int(below[0][0] ?? "") ?? 0
        let all = Int(try db.querySync("SELECT count(*)::text FROM events WHERE aggregate_type = 'transaction'", [])[0][0] ?? "") ?? 0
        #expect(firstRange > 0 && firstRange < all, "both ranges hold events: \(firstRange) of \(all)")
        let head = try await store.headPosition()
        let processed = try await db.transaction { try await builder.build(upTo: head, progress: { _, _ in }) }
        #expect(processed == head)
        #expect(try rows(db, "c_scratch") == rows(db, "contacts_projection"))
        #expect(try rows(db, "t_scratch") == rows(db, "transactions_projection"))
        let pid = { (c: PQConnection) in try c.querySync("SELECT pg_backend_pid()::text", [])[0][0] }
        #expect(try db.querySync("SELECT pid::text FROM t_done", [])[0][0] == pid(writer))
        #expect(try db.querySync("SELECT pid::text FROM c_done", [])[0][0] == pid(second))
        #expect(try db.querySync("SELECT n::text FROM c_done", []) == [["30"]])

        // Stopped on the first page of the second range (pages of 7: the first range takes
        // ceil(firstRange / 7) of them): the second reader's transaction is rolled back, nothing runs.
        try await stopBuild(builder, db: db, head: head, atPage: (firstRange + 6) / 7 + 1)
        for c in [db, writer, second] { #expect(try c.querySync("SELECT 1::text", []) == [["1"]]) }
        let states = try db.querySync(
            "SELECT state FROM pg_stat_activity WHERE pid IN (\(try pid(writer) ?? "0"), \(try pid(second) ?? "0")) ORDER BY pid", [])
        #expect(states == [["idle"], ["idle"]], "no transaction left open: \(states)")
    }

    @Test("a cursor read ahead (libpq): every page once and in order, the connection idle after a short page, an answer nobody took dropped before whatever the connection sends next")
    func readAhead() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        _ = try await seed(store, user: user, contacts: 6)
        let head = try await store.headPosition()
        #expect(head > 12)
        let db = try PQConnection(url)
        let declare = "DECLARE c NO SCROLL CURSOR FOR SELECT \(EventRow.binaryReplayColumns) FROM events ORDER BY events.position"
        // Pages of 4 with the next one always on its way: the same events as one read, no page twice.
        try db.executeSync("BEGIN")
        try db.executeSync(declare)
        var pages: [[LoggedEvent]] = []
        repeat {
            pages.append(try await db.replayEvents("FETCH 4 FROM c", readAhead: 4))
        } while pages.last?.count == 4
        // After a short page nothing is outstanding: the connection answers at once.
        #expect(try db.querySync("SELECT 1::text", []) == [["1"]])
        try db.executeSync("COMMIT")
        let whole = try await db.replayEvents("SELECT \(EventRow.binaryReplayColumns) FROM events ORDER BY events.position")
        #expect(pages.flatMap { $0 } == whole && whole.count == Int(head))
        #expect(pages.dropLast().allSatisfy { $0.count == 4 } && pages.last!.count < 4)
        // A replay that stops after a full page leaves a FETCH outstanding: the next statement drops its
        // answer and runs, and the cursor is where that FETCH left it.
        try db.executeSync("BEGIN")
        try db.executeSync(declare)
        let first = try await db.replayEvents("FETCH 4 FROM c", readAhead: 4)
        #expect(try db.querySync("SELECT 2::text", []) == [["2"]])
        let third = try await db.replayEvents("FETCH 4 FROM c")
        try db.executeSync("ROLLBACK")
        #expect(first == Array(whole[0..<4]) && third == Array(whole[8..<12]))
        // The same whatever sends next: each way this connection sends anything.
        try db.executeSync("CREATE TEMP TABLE copied (x int)")
        // Each: its name, what it sends, and where the cursor is after it (a FETCH in between moves it).
        let sends: [(String, (PQConnection) async throws -> Void, Range<Int>)] = [
            ("execute", { try $0.executeSync("SELECT 1") }, 8..<12),
            ("query", { c in
                let rows = try c.querySync("SELECT 3::text", [])
                #expect(rows == [["3"]])
            }, 8..<12),
            ("stream", { c in
                var rows: [[String?]] = []
                try c.stream("SELECT 4::text", []) { rows.append($0); return true }
                #expect(rows == [["4"]])
            }, 8..<12),
            ("copy", { c in
                let copied = try c.copyIn("COPY copied (x) FROM STDIN") { nil }
                #expect(copied == 0)
            }, 8..<12),
            ("notifications", { c in
                let received = try c.notifications(timeout: 0)
                #expect(received.isEmpty)
            }, 8..<12),
            ("reconnect check", { c in
                let reconnected = try c.reconnectIfDropped()
                #expect(!reconnected)
            }, 8..<12),
            ("another read", { c in
                let two = try await c.replayEvents("FETCH 2 FROM c")
                #expect(two == Array(whole[8..<10]))
            }, 10..<14),
        ]
        #expect(whole.count >= 14)
        for (name, send, after) in sends {
            try db.executeSync("BEGIN")
            try db.executeSync(declare)
            _ = try await db.replayEvents("FETCH 4 FROM c", readAhead: 4)
            try await send(db)
            #expect(try await db.replayEvents("FETCH 4 FROM c") == Array(whole[after]), "\(name)")
            try db.executeSync("ROLLBACK")
        }
    }

    @Test("a replay read in binary (libpq) makes the same events as the text read, times before 2000 and escapes included")
    func binaryReplayRead() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        _ = try await seed(store, user: user, contacts: 6)
        var f = EventFactory(user: user)
        f.clock = -86_400_000_000  // 1969-12-31: before both epochs
        let odd = f.contactCreated(name: "tab\there \"quoted\" \\ Ünïcødé 💸", extra: ["notes": .string("line\nbreak")])
        _ = try await store.append([odd], options: .client)
        let db = try PQConnection(url)
        let text = try await db.query("SELECT \(EventRow.replayColumns) FROM events ORDER BY events.position", []).map(EventRow.decode)
        let binary = try await db.replayEvents("SELECT \(EventRow.binaryReplayColumns) FROM events ORDER BY events.position")
        #expect(text.count == Int(try await store.headPosition()) && text.count > 20)
        #expect(binary == text.map(LoggedEvent.init))
        // A driver reading text (the server's) makes the same events straight from the text.
        let textReplay = try await db.query("SELECT \(EventRow.replayColumns) FROM events ORDER BY events.position", []).map(EventRow.decodeReplay)
        #expect(textReplay == binary)
        var appended = LoggedEvent(odd)
        appended.position = binary.last?.position
        #expect(binary.last == appended && binary.last?.timestamp == odd.timestamp)
        // The reducers read the same contact from both kinds of event.
        #expect(binary.last.flatMap { AggregateState(creating: $0) } == AggregateState(creating: odd))
        // Columns other than the binary list's are refused, not misread.
        await #expect(throws: SQLError.self) { try await db.replayEvents("SELECT \(EventRow.replayColumns) FROM events") }
    }

    @Test("rebuild while writers append: no event lost, no drift")
    func rebuildUnderWrites() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        _ = try await seed(store, user: user, contacts: 40)
        let writer = Task {
            let s = EventStore(session: try PQConnection(url))
            var f = EventFactory(user: user)
            var n = 0
            while !Task.isCancelled && n < 400 {
                let c = f.contactCreated()
                _ = try await s.append([c, f.transactionCreated(contact: c.aggregateID, amount: 7)], options: .client)
                n += 2
            }
            return n
        }
        let rebuilder = EventStore(session: try PQConnection(url))
        let result = try await rebuilder.rebuildProjections(writer: try PQConnection(url))
        let written = try await writer.value
        #expect(written == 400)
        let report = try await store.verifyProjections()
        #expect(report.drifts.isEmpty)
        #expect(result.head <= report.head)
        let db = try PQConnection(url)
        #expect(try db.querySync("SELECT count(*)::text FROM contacts_projection", []) == [[String(40 + 200)]])
    }

    @Test("a second rebuild while one runs is refused as busy")
    func oneAtATime() async throws {
        let (url, store) = try await TestDatabase.store()
        let holder = try PQConnection(url)
        _ = try holder.querySync("SELECT pg_advisory_lock($1::bigint)", [String(Schema.rebuildLockKey)])
        #expect(try await store.rebuildRunning())
        await #expect(throws: StoreError.self) { try await store.rebuildProjections() }
        _ = try holder.querySync("SELECT pg_advisory_unlock($1::bigint)", [String(Schema.rebuildLockKey)])
        #expect(try await !store.rebuildRunning())
        _ = try await store.rebuildProjections()
    }

    @Test("a rebuild in another database on the same server does not count as ours")
    func perDatabaseLock() async throws {
        let (urlA, _) = try await TestDatabase.store()
        let (_, storeB) = try await TestDatabase.store()
        let holder = try PQConnection(urlA)
        _ = try holder.querySync("SELECT pg_advisory_lock($1::bigint)", [String(Schema.rebuildLockKey)])
        #expect(try await !storeB.rebuildRunning())
        _ = try await storeB.rebuildProjections()
    }
}
