import DebtCore
import Foundation
import LibPQ
import Testing

@Suite("Admin API")
struct AdminTests {
    @Test("events with filters, an event's undo links, a stream, latest")
    func events() async throws {
        let s = try await ServerProcess.start()
        let (token, userID) = try await s.login("ada")
        let admin = try await s.adminToken()
        let c = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace"])
        let id = try #require(c.json["id"]?.stringValue)
        _ = try await s.request("PUT", "/api/contacts/\(id)", token: token, json: ["notes": "n"])
        let all = try await s.request("GET", "/api/admin/events", token: admin)
        #expect(all.json.arrayValue?.map { $0["position"] } == [.integer(2), .integer(1)])
        let created = try await s.request("GET", "/api/admin/events?event_type=CONTACT_CREATED&user_id=\(userID)", token: admin)
        #expect(created.json.arrayValue?.count == 1)
        #expect(created.json.arrayValue?.first?["type"] == "CONTACT_CREATED")
        #expect(try await s.request("GET", "/api/admin/events?aggregate_id=\(id)&after=1", token: admin).json.arrayValue?.count == 1)
        #expect(try await s.request("GET", "/api/admin/events?event_type=BOGUS", token: admin).status == 400)
        let latest = try await s.request("GET", "/api/admin/events/latest", token: admin)
        #expect(latest.json["latest_event_id"] == .integer(2))
        let stream = try await s.request("GET", "/api/admin/streams/contact-\(id)", token: admin)
        #expect(stream.json["version"] == .integer(2) && stream.json["state"]?["notes"] == "n")
    }

    @Test("undo: dry run, a required reason, the UNDO with actor and reason, idempotent, refusals are 422")
    func undo() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let admin = try await s.adminToken()
        let c = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace"])
        let cid = try #require(c.json["id"]?.stringValue)
        _ = try await s.request("POST", "/api/transactions", token: token, json: ["contact_id": .string(cid), "amount": 900, "direction": "lent"])
        let events = try await s.request("GET", "/api/admin/events", token: admin).json.arrayValue ?? []
        let txEvent = try #require(events.first { $0["type"] == "TRANSACTION_CREATED" }?["event_id"]?.stringValue)
        let contactEvent = try #require(events.first { $0["type"] == "CONTACT_CREATED" }?["event_id"]?.stringValue)

        let dry = try await s.request("DELETE", "/api/admin/events/\(txEvent)?dry_run=true", token: admin)
        #expect(dry.json["status"] == "dry_run")
        #expect(dry.json["balance_changes"]?.arrayValue?.first?["after"] == .integer(0))
        #expect(try await s.request("DELETE", "/api/admin/events/\(txEvent)", token: admin).status == 400)
        let done = try await s.request("DELETE", "/api/admin/events/\(txEvent)?reason=duplicate%20entry", token: admin)
        #expect(done.json["status"] == "undone", "\(done.body)")
        let undoID = try #require(done.json["undo_event_id"]?.stringValue)
        let shown = try await s.request("GET", "/api/admin/events/\(undoID)", token: admin)
        #expect(shown.json["metadata"]?["actor"] == "admin:root" && shown.json["metadata"]?["reason"] == "duplicate entry")
        let twice = try await s.request("DELETE", "/api/admin/events/\(txEvent)", token: admin, json: ["reason": "again"])
        #expect(twice.json["status"] == "already_undone")
        #expect(try await s.request("GET", "/api/contacts/\(cid)", token: token).json["balance"] == .integer(0))
        // Bring the transaction back (redo), then the contact's creation cannot be undone.
        _ = try await s.request("DELETE", "/api/admin/events/\(undoID)?reason=redo", token: admin)
        let refused = try await s.request("DELETE", "/api/admin/events/\(contactEvent)?reason=x", token: admin)
        #expect(refused.status == 422 && refused.json["error"]?.stringValue?.contains("live transaction") == true)
        #expect(try await s.request("DELETE", "/api/admin/events/\(Identifier.random())?reason=x", token: admin).status == 404)
    }

    @Test("projections: status keeps the contract's fields, rebuild and verify report")
    func projections() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let admin = try await s.adminToken()
        let grace = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace", "notes": "tab\there\\"])
        let contactID = try #require(grace.json["id"])
        _ = try await s.request(
            "POST", "/api/transactions", token: token, json: ["contact_id": contactID, "amount": 1234, "direction": "lent", "description": "Ünïcødé"])
        let status = try await s.request("GET", "/api/admin/projections/status", token: admin)
        #expect(status.json["last_event_id"] == .integer(2) && status.json["is_up_to_date"] == true)
        #expect(status.json["projections"]?.arrayValue?.count == 2)
        // What the append path wrote, to compare with what the rebuild (COPY in text format) writes.
        let db = try PQConnection(s.databaseURL)
        let snapshot = "SELECT (SELECT json_agg(c ORDER BY id) FROM contacts_projection c)::text, (SELECT json_agg(t ORDER BY id) FROM transactions_projection t)::text"
        let before = try db.querySync(snapshot, [])
        #expect(before[0][0]?.contains("\"balance\":1234") == true)
        let rebuilt = try await s.request("POST", "/api/admin/projections/rebuild", token: admin)
        #expect(rebuilt.json["status"] == "success" && rebuilt.json["events_processed"] == .integer(2))
        #expect(try db.querySync(snapshot, []) == before)
        // The server keeps the append path's statements prepared on its connections; they outlive the
        // rebuild's swap of the tables they name.
        for n in 0..<4 {
            let after = try await s.request("POST", "/api/contacts", token: token, json: ["name": .string("After \(n)")])
            #expect(after.status == 201 && after.json["name"] == .string("After \(n)") && after.json["balance"] == .integer(0), "\(after.body)")
        }
        #expect(try await s.request("GET", "/api/contacts", token: token).json.arrayValue?.count == 5)
        _ = try PQConnection(s.databaseURL).querySync("UPDATE contacts_projection SET name = 'tampered' WHERE name = 'Grace'", [])
        let verify = try await s.request("POST", "/api/admin/projections/verify", token: admin)
        #expect(verify.json["drifts"]?.arrayValue?.first?["columns"] == "name")
        let holder = try PQConnection(s.databaseURL)
        _ = try holder.querySync("SELECT pg_advisory_lock($1::bigint)", [String(Schema.rebuildLockKey)])
        #expect(try await s.request("POST", "/api/admin/projections/rebuild", token: admin).status == 409)
    }

    @Test("users: create (409 on a taken name), password reset, login logs, backup and an idempotent restore")
    func users() async throws {
        let s = try await ServerProcess.start()
        let admin = try await s.adminToken()
        let (token, id) = try await s.login("ada")
        #expect(try await s.request("POST", "/api/admin/users", token: admin, json: ["username": "ada", "password": "password-123"]).status == 409)
        #expect(try await s.request("POST", "/api/admin/users", token: admin, json: ["username": "short", "password": "123"]).status == 400)
        _ = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace"])
        #expect(try await s.request("PUT", "/api/admin/users/\(id)/password", token: admin, json: ["password": "new-password-9"]).status == 200)
        #expect(try await s.request("POST", "/api/auth/login", json: ["username": "ada", "password": "password-123"]).status == 401)
        #expect(try await s.request("POST", "/api/auth/login", json: ["username": "ada", "password": "new-password-9"]).status == 200)
        let logs = try await s.request("GET", "/api/admin/users/\(id)/login-logs", token: admin).json.arrayValue ?? []
        #expect(logs.map { $0["success"] } == [true, false, true])
        let backup = try await s.request("GET", "/api/admin/users/\(id)/backup", token: admin)
        #expect(backup.headers["content-type"] == "application/x-ndjson")
        #expect(backup.body.split(separator: "\n").count == 1)
        let restore = try await s.request("POST", "/api/admin/users/\(id)/restore", token: admin, body: backup.body)
        #expect(restore.json["appended"] == .integer(0) && restore.json["already_present"] == .integer(1))
        let total = try await s.request("GET", "/api/admin/total-debt", token: admin)
        #expect(total.json["total_debt"] == .integer(0))
    }
}
