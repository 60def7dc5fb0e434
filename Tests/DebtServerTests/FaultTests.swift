import DebtCore
import EmbeddedPostgres
import Foundation
import HummingbirdWSClient
import LibPQ
import Logging
import NIOWebSocket
import Testing
import TestSupport

/// Faults under load, each against the real server, real PostgreSQL and the real `debtctl`.
/// Figures printed here (`RELIABILITY:` lines) are collected into RELIABILITY.md.
@Suite("Faults", .serialized)
struct FaultTests {
    static func report(_ line: String) { print("RELIABILITY: \(line)") }

    static func count(_ url: String, _ sql: String, _ params: [String?] = []) throws -> Int {
        Int(try PQConnection(url).querySync(sql, params).first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    @Test("kill -9 of the server while 8 devices push 10,000 events: every acknowledged event is in the log, resends add no duplicate, no drift")
    func killDuringIngest() async throws {
        let first = try await ServerProcess.start()
        let db = first.databaseURL
        var devices: [SyncDevice] = []
        for i in 0..<8 {
            let (token, _) = try await first.login("device\(i)")
            let d = SyncDevice(name: "device\(i)", baseURL: first.url, token: token)
            // 1,250 events each: contacts, loans on them, renames, changed amounts, second loans.
            for j in 0..<250 {
                let c = d.createContact("contact \(j)")
                let t = d.lend(c, Int64(j + 1) * 100)
                d.renameContact(c, "contact \(j) renamed")
                d.changeAmount(t, Int64(j + 1) * 150)
                d.lend(c, 50, direction: "owed")
            }
            devices.append(d)
        }
        let total = devices.reduce(0) { $0 + $1.pending.count }
        #expect(total == 10_000)

        let failures = Counter()
        // Each device pushes batches of 50 and, while the server is away, retries every 100 ms.
        let all = devices
        let ingest = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for d in all {
                    group.addTask {
                        var attempts = 0
                        while !d.pending.isEmpty {
                            attempts += 1
                            guard attempts < 3000 else { throw SyncFailed(message: "\(d.name) never finished") }
                            do {
                                try await d.push(batchSize: 50)
                            } catch is SyncDevice.Unreachable {
                                await failures.add()
                                try await Task.sleep(for: .milliseconds(100))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        // Kill the server once a quarter of the events are committed.
        var committedAtKill = 0
        for _ in 0..<600 {
            committedAtKill = try Self.count(db, "SELECT count(*)::text FROM events")
            if committedAtKill >= 2_500 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        first.process.signal(SIGKILL)
        _ = first.process.wait()
        let atKill = try Self.count(db, "SELECT count(*)::text FROM events")
        try await Task.sleep(for: .seconds(1))
        let second = try await ServerProcess.start(databaseURL: db, port: first.port)
        try await ingest.value

        let logged = try Self.count(db, "SELECT count(*)::text FROM events")
        let distinct = try Self.count(db, "SELECT count(DISTINCT event_id)::text FROM events")
        #expect(atKill > 0 && atKill < total, "the kill came mid-ingest (\(atKill) committed)")
        #expect(await failures.unreachable > 0, "some pushes met the dead server")
        #expect(logged == total && distinct == total, "\(logged) rows, \(distinct) distinct, \(total) made")
        for d in devices {
            #expect(d.conflicts.isEmpty, "\(d.name): \(d.conflicts.prefix(3).map(\.reason))")
            #expect(d.acknowledged.count == 1_250)
            try await d.pull()
            #expect(d.confirmed.count == 1_250)
            #expect(try await d.hashMatches())
        }
        let verify = try CommandRunner.run("debtctl", ["--database", db, "projections", "verify", "-o", "json"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        _ = second
        Self.report("kill -9 during sync ingest: 8 devices, \(total) events, killed at \(atKill) committed, \(await failures.unreachable) pushes met the dead server, after resends \(logged) rows / \(distinct) distinct, verify exit \(verify.status)")
    }

    @Test("PostgreSQL restarted under a write load of 8 clients: /health/ready and writes are 503 meanwhile, no 500, reads and writes come back by themselves, WebSocket clients reconnect and miss no event")
    func postgresRestart() async throws {
        let cluster = try PostgresCluster.start(PostgresCluster.Options(durable: false))
        let db = cluster.url(database: "postgres")
        let s = try await ServerProcess.start(databaseURL: db)
        let (token, _) = try await s.login("ada")

        // A client that follows notifications the way the apps do: on connect and on every frame it
        // pulls after its cursor; when the socket ends it reconnects.
        let follower = Follower()
        @Sendable func pull() async {
            while true {
                let cursor = await follower.cursor
                guard let r = try? await s.request("GET", "/api/sync/events?after=\(cursor)&limit=500", token: token), r.status == 200,
                      let page = r.json.arrayValue, !page.isEmpty else { return }
                await follower.add(page)
            }
        }
        let ws = s.url.replacingOccurrences(of: "http://", with: "ws://") + "/ws?token=" + token
        let following = Task {
            while await !follower.stopped {
                _ = try? await WebSocketClient.connect(url: ws, logger: Logger(label: "follower")) { inbound, outbound, _ in
                    await follower.connected()
                    await pull()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { for try await message in inbound.messages(maxSize: 1 << 16) { if case .text = message { await pull() } } }
                        group.addTask { while await !follower.stopped { try await Task.sleep(for: .milliseconds(100)) } }
                        _ = try await group.next()
                        group.cancelAll()
                    }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(await follower.connects == 1)

        let tally = Tally()
        // Eight writers, so that appends go through the server's group commit together when the database
        // goes away (with one writer the hang below showed in about 1 run of 3; with eight in the first).
        let writing = Task {
            await withTaskGroup(of: Void.self) { group in
                for w in 0..<8 {
                    group.addTask {
                        var i = 0
                        while await !tally.stopped {
                            i += 1
                            let r = try? await s.request("POST", "/api/contacts", token: token, json: ["name": .string("load \(w).\(i)")])
                            await tally.add(r?.status ?? 0)
                            if let r, r.status >= 400 { #expect(r.json["error"] != nil) }
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .seconds(1))
        try cluster.pause()
        var sawUnready = false
        for _ in 0..<100 where !sawUnready {
            sawUnready = (try? await s.request("GET", "/health/ready"))?.status == 503
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(sawUnready, "/health/ready answered 503 while the database was down")
        // Longer than the server's wait for a connection (5 s), so that writes are answered 503.
        try await Task.sleep(for: .seconds(7))
        let writtenBefore = await tally.statuses[201] ?? 0
        try cluster.resume()
        var ready = false
        for _ in 0..<200 where !ready {
            ready = (try? await s.request("GET", "/health/ready"))?.status == 200
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(ready, "the same server process is ready again by itself")
        // The write loop is answered 201 again.
        var writingAgain = false
        for _ in 0..<300 where !writingAgain {
            writingAgain = (await tally.statuses[201] ?? 0) > writtenBefore + 5
            try await Task.sleep(for: .milliseconds(100))
        }
        let afterOutage = await tally.statuses
        // This test found two hangs here, each with every later write timing out while reads and readiness
        // worked: an append that failed because the database went away sent ROLLBACK on the dead
        // connection; and, rarer (1 of 5 full CI runs once the first was fixed), a statement written in
        // the instant its connection closed. PostgresNIO never answers either, and the group commit waited
        // forever (NIOSession.answered; ClosedConnectionTests reproduce the second deterministically).
        #expect(writingAgain, "writes succeed again after the outage: \(afterOutage)")
        await tally.stop()
        _ = await writing.value
        // One last write after the load: the follower must hear of it over its WebSocket.
        let last = try? await s.request("POST", "/api/contacts", token: token, json: ["name": "the last"])
        #expect(last?.status == 201, "\(last?.status ?? 0) \(last?.body ?? "no answer")")

        let logged = try PQConnection(db).querySync("SELECT event_id::text FROM events ORDER BY position", []).compactMap { $0.first ?? nil }
        var caughtUp = false
        for _ in 0..<200 where !caughtUp {
            caughtUp = await follower.seen == logged
            try await Task.sleep(for: .milliseconds(50))
        }
        // The follower handles frames one at a time and may still be working through frames queued
        // before the outage when the server drops it: give it time to see the close and reconnect.
        for _ in 0..<200 where await follower.connects < 2 { try await Task.sleep(for: .milliseconds(50)) }
        await follower.stop()
        _ = await following.value
        let statuses = await tally.statuses
        let seen = await follower.seen
        #expect(caughtUp, "the follower saw \(seen.count) of \(logged.count) events")
        #expect(statuses[500] == nil, "no 500 for a database outage: \(statuses)")
        #expect((statuses[201] ?? 0) > 0, "\(statuses)")
        #expect((statuses[503] ?? 0) > 0, "writes during the outage answered 503: \(statuses)")
        let connects = await follower.connects
        #expect(connects >= 2, "the follower was dropped and reconnected (\(connects) connections)")
        Self.report("PostgreSQL stopped for ~7 s under a write loop: statuses \(statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")); ready again by itself; WebSocket follower \(connects) connections, saw \(seen.count)/\(logged.count) events, none missed")
    }

    @Test("100 concurrent undos of one event through the admin API and debtctl's direct mode: exactly one UNDO")
    func concurrentUndos() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let admin = try await s.adminToken()
        let grace = try #require(try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace"]).json["id"]?.stringValue)
        _ = try await s.request("POST", "/api/transactions", token: token, json: ["contact_id": .string(grace), "amount": 500, "direction": "lent"])
        let target = try #require(try await s.request("GET", "/api/admin/events?event_type=TRANSACTION_CREATED", token: admin).json.arrayValue?.first?["event_id"]?.stringValue)

        let direct = (0..<40).map { i in
            Result { try CommandRunner.start("debtctl", ["--database", s.databaseURL, "undo", target, "--reason", "direct \(i)", "--yes", "-o", "json"]) }
        }
        let api = try await withThrowingTaskGroup(of: ServerProcess.Reply.self) { group in
            for i in 0..<60 { group.addTask { try await s.request("DELETE", "/api/admin/events/\(target)?reason=api%20\(i)", token: admin) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let results = try direct.map { try $0.get().wait() }
        #expect(api.allSatisfy { $0.status == 200 }, "\(api.filter { $0.status != 200 }.map { "\($0.status) \($0.body)" }.prefix(3))")
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 }.map(\.stderr).prefix(3))")
        let apiUndone = api.filter { $0.json["status"] == "undone" }.count
        let directUndone = results.filter { $0.stdout.contains("\"appended_at\"") }.count
        let undos = try Self.count(s.databaseURL, "SELECT count(*)::text FROM events WHERE event_type = 'UNDO' AND event_data ->> 'undone_event_id' = $1", [target])
        #expect(undos == 1)
        #expect(apiUndone + directUndone == 1, "api \(apiUndone), direct \(directUndone)")
        #expect(try await s.request("GET", "/api/contacts/\(grace)", token: token).json["balance"] == .integer(0))
        Self.report("100 concurrent undos of one event (60 admin API, 40 debtctl direct): \(undos) UNDO event; \(apiUndone + directUndone) answered undone, the rest already undone")
    }
    @Test("SIGINT and kill -9 during debtctl projections rebuild: the live projections keep serving, the lock is released, the next rebuild succeeds, no drift")
    func interruptedRebuild() async throws {
        let s = try await ServerProcess.start()
        let (_, user) = try await s.login("ada")
        let admin = try await s.adminToken()
        let db = s.databaseURL
        // 60,000 valid CREATED events written straight into the log, so that a rebuild takes seconds;
        // one rebuild first makes the projections agree with them.
        _ = try PQConnection(db).querySync("""
            INSERT INTO events (position, event_id, user_id, aggregate_type, aggregate_id, event_type, version, event_data, occurred_at, digest)
            SELECT g, gen_random_uuid(), $1::uuid, 'contact', gen_random_uuid(), 'CREATED', 1,
                   jsonb_build_object('name', 'seeded ' || g), now(), sha256(convert_to(g::text, 'UTF8'))
            FROM generate_series(1, 60000) g
            """, [user.description])
        let started = Date()
        let initial = try CommandRunner.run("debtctl", ["--database", db, "projections", "rebuild", "--all", "--yes"])
        let seconds = Date().timeIntervalSince(started)
        #expect(initial.status == 0, "\(initial.stderr)")
        let lockHeld = "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        var lines: [String] = []
        for (signal, name, expected) in [(SIGINT, "SIGINT", Int32(130)), (SIGKILL, "kill -9", Int32(128 + 9))] {
            let p = try CommandRunner.start("debtctl", ["--database", db, "projections", "rebuild", "--all", "--yes"])
            var held = false
            for _ in 0..<200 where !held {
                held = try Self.count(db, lockHeld) > 0
                if !held { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(held, "\(name): the rebuild took the lock")
            try await Task.sleep(for: .seconds(seconds / 3))
            // Meanwhile the live projections answer, complete.
            let during = try await s.request("GET", "/api/admin/contacts?limit=10", token: admin)
            #expect(during.status == 200 && during.json.arrayValue?.count == 10)
            p.signal(signal)
            let result = p.wait()
            #expect(result.status == expected, "\(name): exit \(result.status) \(result.stderr)")
            let stopped = Date()
            var released = false
            for _ in 0..<600 where !released {
                released = try Self.count(db, lockHeld) == 0
                if !released { try await Task.sleep(for: .milliseconds(50)) }
            }
            let freedAfter = Date().timeIntervalSince(stopped)
            #expect(released, "\(name): the lock was released")
            // SIGINT cancels the statement; after kill -9 the server notices the closed socket within a
            // second (client_connection_check_interval).
            #expect(freedAfter < 5, "\(name): the lock was held \(freedAfter) s after the process ended")
            if signal == SIGINT { #expect(result.stderr.contains("interrupted"), "\(result.stderr)") }
            let status = try CommandRunner.run("debtctl", ["--database", db, "projections", "status", "--check"])
            #expect(status.status == 0, "\(name): an interrupted rebuild is not a failed projection: \(status.stdout)")
            let rows = try Self.count(db, "SELECT count(*)::text FROM contacts_projection")
            #expect(rows == 60_000, "\(name): the live projection has all its rows (\(rows))")
            let verify = try CommandRunner.run("debtctl", ["--database", db, "projections", "verify"])
            #expect(verify.status == 0, "\(name): \(verify.stdout) \(verify.stderr)")
            lines.append("\(name) after \(String(format: "%.1f", seconds / 3)) s: exit \(result.status), lock free after \(String(format: "%.2f", freedAfter)) s, \(rows) live rows, verify exit \(verify.status)")
        }
        let again = try CommandRunner.run("debtctl", ["--database", db, "projections", "rebuild", "--all", "--yes"])
        #expect(again.status == 0, "the next rebuild succeeds: \(again.stderr)")
        let verify = try CommandRunner.run("debtctl", ["--database", db, "projections", "verify"])
        #expect(verify.status == 0)
        let leftovers = try Self.count(db, "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '%rebuild%'")
        #expect(leftovers == 0, "no half-built tables left behind")
        Self.report("interrupted rebuild of 60,000 events (a full rebuild took \(String(format: "%.1f", seconds)) s): \(lines.joined(separator: "; ")); next rebuild exit \(again.status), verify exit \(verify.status)")
    }
}

/// A WebSocket client's view for the restart test: its cursor, the events it pulled, its connections.
actor Follower {
    var cursor: Int64 = 0
    var seen: [String] = []
    var connects = 0
    var stopped = false
    func connected() { connects += 1 }
    func stop() { stopped = true }
    func add(_ page: [JSONValue]) {
        for e in page {
            seen.append(e["id"]?.stringValue ?? "?")
            cursor = max(cursor, e["position"]?.integerValue ?? cursor)
        }
    }
}

/// Pushes that met a dead server.
actor Counter {
    var unreachable = 0
    func add() { unreachable += 1 }
}

/// HTTP statuses seen by a write loop.
actor Tally {
    var statuses: [Int: Int] = [:]
    var stopped = false
    func add(_ s: Int) { statuses[s, default: 0] += 1 }
    func stop() { stopped = true }
}
