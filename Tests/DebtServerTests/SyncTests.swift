import DebtCore
import Foundation
import Testing

@Suite("Sync protocol")
struct SyncTests {
    @Test("push a batch: accepted and conflicts per event; pull by cursor and by time; the hash matches a client's own")
    func pushPull() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        var f = ClientEvents()
        let contact = Identifier.random()
        let c = f.make(.contact, contact, .created, ["name": "Grace"], 1)
        let t = f.make(.transaction, .random(), .created, ["contact_id": .string(contact.description), "amount": 1200, "direction": "lent"], 1)
        let stale = f.make(.contact, contact, .updated, ["name": "G"], 5)
        let invalid = f.make(.transaction, .random(), .created, ["contact_id": .string(contact.description), "amount": -1, "direction": "lent"], 1)
        let oddID: JSONValue = ["b": [1, "x"], "a": nil]
        let batch: JSONValue = .array([c, t, stale, invalid].map(\.contractJSON) + [.object(["id": "garbage"]), .object(["id": oddID])])
        let r = try await s.request("POST", "/api/sync/events", token: token, json: batch)
        #expect(r.status == 200)
        #expect(r.json["accepted"] == .array([.string(c.id.description), .string(t.id.description)]))
        #expect(r.json["conflicts"] == .array([.string(stale.id.description), .string(invalid.id.description), "garbage", oddID]))
        let results = r.json["results"]?.arrayValue ?? []
        #expect(results.count == 6)
        #expect(results.prefix(2) == [
            ["id": .string(c.id.description), "status": "accepted", "position": 1, "reason": nil],
            ["id": .string(t.id.description), "status": "accepted", "position": 2, "reason": nil],
        ])
        #expect(results[2]["reason"]?.stringValue?.contains("version conflict") == true)
        #expect(results[2]["status"] == "conflict" && results[2]["position"] == .null)
        #expect(results[3]["reason"]?.stringValue?.contains("amount") == true)
        #expect(results[4].objectValue?.keys.sorted() == ["id", "reason", "status"] && results[4]["id"] == "garbage")
        #expect(results[5]["id"] == oddID)
        // The answer is canonical JSON (sorted keys, no white space), as every answer of the server is.
        #expect(r.body == r.json.canonicalText)

        let again = try await s.request("POST", "/api/sync/events", token: token, json: .array([c.contractJSON, t.contractJSON]))
        #expect(again.json["accepted"]?.arrayValue?.count == 2)

        let pulled = try await s.request("GET", "/api/sync/events?after=0&limit=1", token: token)
        #expect(pulled.json.arrayValue?.count == 1)
        #expect(pulled.json.arrayValue?.first?["position"] == .integer(1))
        #expect(pulled.json.arrayValue?.first?["id"] == .string(c.id.description))
        let rest = try await s.request("GET", "/api/sync/events?after=1", token: token)
        #expect(rest.json.arrayValue?.map { $0["id"] } == [.string(t.id.description)])
        let since = try await s.request("GET", "/api/sync/events?since=2000-01-01T00:00:00Z", token: token)
        #expect(since.json.arrayValue?.count == 2)
        let future = try await s.request("GET", "/api/sync/events?since=2999-01-01T00:00:00Z", token: token)
        #expect(future.json == .array([]))

        var mine = SyncHash()
        for e in [c, t] { mine.add(e) }
        let hash = try await s.request("GET", "/api/sync/hash", token: token)
        #expect(hash.json["hash"] == .string(mine.hex))
        #expect(hash.json["event_count"] == .integer(2))
        #expect(hash.json["last_event_timestamp"]?.stringValue != nil)

        // The events a client pulls decode back into the same events (same digest, so the same hash).
        let back = try rest.json.arrayValue?.map { try Event(contractJSON: $0) } ?? []
        #expect(back.first?.digest == t.digest)
    }

    @Test("a client may undo its own event within the window")
    func clientUndo() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        var f = ClientEvents()
        let c = f.make(.contact, .random(), .created, ["name": "Oops"], 1)
        _ = try await s.request("POST", "/api/sync/events", token: token, json: .array([c.contractJSON]))
        let undo = f.make(.contact, c.aggregateID, .undo, ["undone_event_id": .string(c.id.description)], 2)
        let r = try await s.request("POST", "/api/sync/events", token: token, json: .array([undo.contractJSON]))
        #expect(r.json["accepted"]?.arrayValue?.count == 1, "\(r.body)")
        #expect(try await s.request("GET", "/api/contacts", token: token).json == .array([]))
    }
}
