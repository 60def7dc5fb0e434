import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("Append path on a real PostgreSQL")
struct AppendTests {
    @Test("a contact and its transactions update the projections and the balance in the same commit")
    func appendUpdatesProjections() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "ada")
        var f = EventFactory(user: user)
        let contact = f.contactCreated(name: "Grace")
        let tx = f.transactionCreated(contact: contact.aggregateID, amount: 1500)
        let owed = f.transactionCreated(contact: contact.aggregateID, amount: 400, direction: "owed")
        let outcomes = try await store.append([contact, tx, owed], options: .client)
        #expect(outcomes == [.appended(position: 1), .appended(position: 2), .appended(position: 3)])

        let db = try PQConnection(url)
        let row = try db.querySync(
            "SELECT name, balance::text, version::text, last_position::text FROM contacts_projection WHERE id = $1::uuid",
            [contact.aggregateID.description])
        #expect(row == [["Grace", "1100", "1", "1"]])
        let txRow = try db.querySync(
            "SELECT amount::text, direction, contribution::text FROM transactions_projection WHERE id = $1::uuid",
            [owed.aggregateID.description])
        #expect(txRow == [["400", "owed", "-400"]])
        let checkpoints = try db.querySync("SELECT name, position::text FROM projection_checkpoints ORDER BY name", [])
        #expect(checkpoints == [["contacts", "3"], ["transactions", "3"]])
    }

    @Test("a stale expected version is a conflict and writes nothing")
    func conflict() async throws {
        let (_, store) = try await TestDatabase.store()
        var f = EventFactory(user: try await store.createUser(username: "u"))
        let c = f.contactCreated()
        _ = try await store.append([c], options: .client)
        _ = try await store.append([f.contactUpdated(c.aggregateID, version: 2, ["name": "B"])], options: .client)
        let stale = f.contactUpdated(c.aggregateID, version: 2, ["name": "C"])
        let outcome = try await store.append([stale], options: .client)
        guard case .conflict(let conflict) = outcome[0] else { Issue.record("\(outcome)"); return }
        #expect(conflict.kind == .version && conflict.message.contains("version conflict"))
        #expect(try await store.headPosition() == 2)
        #expect(try await store.event(id: stale.id) == nil)
    }

    @Test("re-sending events is idempotent: same positions, no new rows, same sync hash")
    func idempotentResend() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        var f = EventFactory(user: user)
        let c = f.contactCreated()
        let t = f.transactionCreated(contact: c.aggregateID, amount: 10)
        let first = try await store.append([c, t], options: .client)
        let hash = try await store.syncHash(of: user).hash
        let again = try await store.append([c, t], options: .client)
        #expect(again == [.duplicate(position: 1), .duplicate(position: 2)])
        #expect(first.map(\.position) == again.map(\.position))
        #expect(try await store.syncHash(of: user).hash == hash)
        #expect(try PQConnection(url).querySync("SELECT count(*)::text FROM events", []) == [["2"]])

        var tampered = c
        tampered.data["name"] = "Someone else"
        guard case .conflict = try await store.append([tampered], options: .client)[0] else {
            Issue.record("same id with other data was not a conflict")
            return
        }
    }

    @Test("a batch reports per event: good ones land, bad ones are refused, nothing half-written")
    func batchSemantics() async throws {
        let (url, store) = try await TestDatabase.store()
        var f = EventFactory(user: try await store.createUser(username: "u"))
        let c = f.contactCreated()
        let good = f.transactionCreated(contact: c.aggregateID, amount: 100)
        let invalid = f.transactionCreated(contact: c.aggregateID, amount: 0)
        let orphan = f.transactionCreated(contact: .random(), amount: 5)
        let stale = f.contactUpdated(c.aggregateID, version: 5, ["name": "x"])
        let good2 = f.contactUpdated(c.aggregateID, version: 2, ["phone": "+44"])
        let outcomes = try await store.append([c, good, invalid, orphan, stale, good2], options: .client)
        #expect(outcomes.map(\.isAccepted) == [true, true, false, false, false, true])
        #expect(outcomes[5] == .appended(position: 3))
        guard case .invalid(let e) = outcomes[2] else { Issue.record("\(outcomes[2])"); return }
        #expect(e.field == "event_data.amount")
        let db = try PQConnection(url)
        #expect(try db.querySync("SELECT position::text FROM events ORDER BY events.position", []) == [["1"], ["2"], ["3"]])
        #expect(try db.querySync("SELECT phone, balance::text FROM contacts_projection", []) == [["+44", "100"]])
        #expect(try db.querySync("SELECT count(*)::text FROM transactions_projection", []) == [["1"]])
    }

    @Test("the database itself refuses UPDATE, DELETE and TRUNCATE on the event log")
    func immutability() async throws {
        let (url, store) = try await TestDatabase.store()
        var f = EventFactory(user: try await store.createUser(username: "u"))
        _ = try await store.append([f.contactCreated()], options: .client)
        let db = try PQConnection(url)
        for sql in [
            "UPDATE events SET event_data = '{}'", "DELETE FROM events", "TRUNCATE events",
            "UPDATE events SET version = version WHERE position = 1",
        ] {
            do {
                try db.executeSync(sql)
                Issue.record("\(sql) was allowed")
            } catch {
                #expect(error.sqlState == "23001", "\(sql): \(error)")
                #expect(error.message.contains("immutable"))
            }
        }
        #expect(try db.querySync("SELECT event_data->>'name' FROM events", []) == [["Ada"]])
    }

    @Test("tenancy: another user can neither write to a stream nor name a contact that is not theirs")
    func tenancy() async throws {
        let (_, store) = try await TestDatabase.store()
        var alice = EventFactory(user: try await store.createUser(username: "alice"))
        var bob = EventFactory(user: try await store.createUser(username: "bob"))
        let c = alice.contactCreated()
        _ = try await store.append([c], options: .client)
        let outcomes = try await store.append(
            [bob.contactUpdated(c.aggregateID, version: 2, ["name": "pwned"]), bob.transactionCreated(contact: c.aggregateID, amount: 1)],
            options: .client)
        #expect(outcomes.allSatisfy { !$0.isAccepted })
        #expect(try await store.stream(c.stream).events.count == 1)
    }

    @Test("text with quotes, backslashes, braces, commas, NULL and control characters survives the append path")
    func awkwardText() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        var f = EventFactory(user: user)
        let name = #"He said "hi", {braces} \ and \" end"#
        let notes = "NULL"
        let email = "zoë@例え.jp"
        let comment = "line one\nline\ttwo, \u{1} and \\N"
        var c = f.contactCreated(name: name, extra: ["notes": .string(notes), "email": .string(email), "comment": .string(comment), "phone": .string("")])
        c.metadata = EventMetadata(actor: #"user:"quoted\""#, reason: "{a,b}", source: "test")
        let t = f.transactionCreated(contact: c.aggregateID, amount: 7, extra: ["description": .string(#"}{"\,NULL"#)])
        #expect(try await store.append([c, t], options: .client) == [.appended(position: 1), .appended(position: 2)])

        // The log holds exactly what was sent: data, metadata and digest.
        let stored = try #require(try await store.event(id: c.id))
        #expect(stored.data == c.data)
        #expect(stored.metadata == c.metadata)
        #expect(try await store.event(id: t.id)?.data == t.data)
        let db = try PQConnection(url)
        #expect(try db.querySync("SELECT encode(digest, 'hex') FROM events ORDER BY position", []) == [[hexString(c.digest)], [hexString(t.digest)]])
        // And so do the projections: "NULL" is a string, the empty phone is empty, not missing.
        let row = try db.querySync(
            "SELECT name, notes, email, comment, phone, (phone IS NULL)::text, (username IS NULL)::text FROM contacts_projection WHERE id = $1::uuid",
            [c.aggregateID.description])
        #expect(row == [[name, notes, email, comment, "", "false", "true"]])
        #expect(try db.querySync("SELECT description FROM transactions_projection", []) == [[#"}{"\,NULL"#]])
    }

    @Test("every append NOTIFYs its user and position on commit")
    func notify() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        var f = EventFactory(user: user)
        let listener = try PQConnection(url)
        try listener.executeSync("LISTEN \(Schema.notifyChannel)")
        let c = f.contactCreated()
        _ = try await store.append([c, f.contactUpdated(c.aggregateID, version: 2, ["name": "B"])], options: .client)
        var received: [JSONValue] = []
        for _ in 0..<20 where received.count < 2 {
            received += try listener.notifications(timeout: 0.5).map { try JSONValue(parsing: $0.payload) }
        }
        #expect(received.map { $0["position"] } == [.integer(1), .integer(2)])
        #expect(received.map { $0["type"] } == [.string("contact_created"), .string("contact_updated")])
        #expect(received.allSatisfy { $0["user_id"] == .string(user.description) })
    }

    @Test("migrations are idempotent and recorded")
    func migrations() async throws {
        let url = try await TestDatabase.create(migrated: false)
        let store = EventStore(session: try PQConnection(url))
        #expect(try await store.schemaVersion() == 0)
        #expect(try await store.migrate() == Schema.migrations.map(\.version))
        #expect(try await store.migrate() == [])
        #expect(try await store.schemaVersion() == Schema.latestVersion)
    }
}
