import DebtCore
import Foundation
import LibPQ
import Testing

@Suite("Contacts and transactions API")
struct RestTests {
    @Test("create, read, update with versions (409 when stale), delete; balances follow")
    func lifecycle() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let c = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace", "phone": "+1", "ignored_field": true])
        #expect(c.status == 201)
        let id = try #require(c.json["id"]?.stringValue)
        #expect(c.json["balance"] == .integer(0) && c.json["version"] == .integer(1))
        let t = try await s.request("POST", "/api/transactions", token: token, json: ["contact_id": .string(id), "amount": 1500, "direction": "lent", "description": "Lunch"])
        #expect(t.status == 201, "\(t.body)")
        let tid = try #require(t.json["id"]?.stringValue)
        _ = try await s.request("POST", "/api/transactions", token: token, json: ["contact_id": .string(id), "amount": 500, "direction": "owed"])
        #expect(try await s.request("GET", "/api/contacts/\(id)", token: token).json["balance"] == .integer(1000))

        let updated = try await s.request("PUT", "/api/contacts/\(id)", token: token, json: ["notes": "met at the conference", "version": 1])
        #expect(updated.status == 200 && updated.json["version"] == .integer(2) && updated.json["notes"] == "met at the conference")
        let stale = try await s.request("PUT", "/api/contacts/\(id)", token: token, json: ["notes": "lost update", "version": 1])
        #expect(stale.status == 409)
        #expect(stale.json["error"]?.stringValue?.hasPrefix("Version conflict") == true)
        let ifMatch = try await s.request("PUT", "/api/contacts/\(id)", token: token, json: ["notes": "x"], headers: ["If-Match": "\"1\""])
        #expect(ifMatch.status == 409)

        let amount = try await s.request("PUT", "/api/transactions/\(tid)", token: token, json: ["amount": 2500])
        #expect(amount.status == 200 && amount.json["amount"] == .integer(2500) && amount.json["direction"] == "lent")
        #expect(try await s.request("GET", "/api/contacts/\(id)", token: token).json["balance"] == .integer(2000))

        #expect(try await s.request("DELETE", "/api/transactions/\(tid)", token: token).status == 200)
        #expect(try await s.request("GET", "/api/contacts/\(id)", token: token).json["balance"] == .integer(-500))
        let gone = try await s.request("PUT", "/api/transactions/\(tid)", token: token, json: ["amount": 1])
        #expect(gone.status == 410)
        #expect(try await s.request("GET", "/api/transactions", token: token).json.arrayValue?.count == 1)
    }

    @Test("Idempotency-Key: the same request again returns the first result; another request with the key is 422")
    func idempotency() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let first = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Once"], headers: ["Idempotency-Key": "abc-1"])
        let second = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Once"], headers: ["Idempotency-Key": "abc-1"])
        #expect(first.status == 201 && second.status == 201)
        #expect(first.json == second.json)
        let other = try await s.request("POST", "/api/contacts", token: token, json: ["name": "Twice"], headers: ["Idempotency-Key": "abc-1"])
        #expect(other.status == 422)
        // Concurrent retries with one key: still exactly one contact.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { try await s.request("POST", "/api/contacts", token: token, json: ["name": "Race"], headers: ["Idempotency-Key": "race"]).status }
            }
            for try await status in group { #expect(status == 201) }
        }
        let names = try await s.request("GET", "/api/contacts", token: token).json.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.sorted() == ["Once", "Race"])
    }

    @Test("concurrent writes share append transactions (group commit); each gets its own, correct answer")
    func groupCommit() async throws {
        let s = try await ServerProcess.start()
        let (ada, adaID) = try await s.login("ada")
        let (bo, _) = try await s.login("bo")
        let stale = try await s.request("POST", "/api/contacts", token: ada, json: ["name": "Versioned"])
        let staleID = try #require(stale.json["id"]?.stringValue)
        // 40 creates from two users, and in the same burst an update with a stale version: the stale one
        // alone is refused, whatever group it lands in.
        let statuses = try await withThrowingTaskGroup(of: (String, Int, JSONValue).self) { group in
            for n in 0..<40 {
                group.addTask {
                    let r = try await s.request("POST", "/api/contacts", token: n % 2 == 0 ? ada : bo, json: ["name": .string("Burst \(n)")])
                    return ("Burst \(n)", r.status, r.json)
                }
            }
            group.addTask {
                let r = try await s.request("PUT", "/api/contacts/\(staleID)", token: ada, json: ["name": "Stale", "version": 7])
                return ("stale", r.status, r.json)
            }
            var out: [(String, Int, JSONValue)] = []
            for try await r in group { out.append(r) }
            return out
        }
        for (name, status, json) in statuses where name != "stale" {
            #expect(status == 201, "\(name): \(json)")
            #expect(json["name"]?.stringValue == name)
            // The answer is the record as read back for the whole group: the same as reading it alone,
            // and the caller's own.
            let n = Int(name.dropFirst("Burst ".count)) ?? 0
            let id = try #require(json["id"]?.stringValue)
            let alone = try await s.request("GET", "/api/contacts/\(id)", token: n % 2 == 0 ? ada : bo)
            #expect(alone.status == 200 && alone.json == json, "\(name): \(json) / \(alone.json)")
            #expect(try await s.request("GET", "/api/contacts/\(id)", token: n % 2 == 0 ? bo : ada).status == 404)
        }
        #expect(statuses.first { $0.0 == "stale" }?.1 == 409)
        let conn = try PQConnection(s.databaseURL)
        let counts = try conn.querySync(
            "SELECT count(*)::text, count(DISTINCT recorded_at)::text, (max(position) - min(position) + 1)::text FROM events WHERE event_data->>'name' LIKE 'Burst %'", [])
        #expect(counts.first?[0] == "40")
        // Dense positions, and fewer transactions (recorded_at is the transaction's time) than requests.
        #expect(counts.first?[2] == "40")
        #expect(Int(counts.first?[1] ?? "40") ?? 40 < 40, "no two requests shared a transaction: \(counts)")
        let adas = try await s.request("GET", "/api/contacts", token: ada).json.arrayValue ?? []
        #expect(adas.count == 21 && adas.allSatisfy { $0["user_id"]?.stringValue == adaID.description || $0["user_id"] == nil })
    }

    @Test("settings are per user")
    func settings() async throws {
        let s = try await ServerProcess.start()
        let (a, _) = try await s.login("ada")
        let (b, _) = try await s.login("bea")
        #expect(try await s.request("PUT", "/api/settings/theme", token: a, json: ["value": ["mode": "dark"]]).status == 200)
        #expect(try await s.request("GET", "/api/settings", token: a).json == ["theme": ["mode": "dark"]])
        #expect(try await s.request("GET", "/api/settings", token: b).json == .object([:]))
    }
}
