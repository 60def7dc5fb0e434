import DebtCore
import Foundation
import Testing

@Suite("Auth matrix: every route × every kind of caller")
struct AuthMatrixTests {
    enum Caller: CaseIterable { case none, malformed, expired, wrongSignature, user, otherUser, admin }

    /// (method, path, body, needs admin). `{c}` is a contact of `user`, `{t}` a transaction of theirs, `{e}` one of
    /// their events, `{u}` their user id, `{z}` another account (deleted by the last route).
    static let routes: [(String, String, String?, Bool)] = [
        ("GET", "/api/sync/hash", nil, false), ("GET", "/api/sync/events?after=0", nil, false),
        ("POST", "/api/sync/events", "[]", false), ("GET", "/api/contacts", nil, false),
        ("POST", "/api/contacts", "{\"name\":\"x\"}", false), ("GET", "/api/contacts/{c}", nil, false),
        ("PUT", "/api/contacts/{c}", "{\"notes\":\"n\"}", false), ("GET", "/api/transactions", nil, false),
        ("GET", "/api/settings", nil, false), ("PUT", "/api/settings/theme", "{\"value\":\"dark\"}", false),
        ("GET", "/api/admin/events", nil, true), ("GET", "/api/admin/events/latest", nil, true),
        ("GET", "/api/admin/events/{e}", nil, true), ("GET", "/api/admin/contacts", nil, true),
        ("GET", "/api/admin/transactions", nil, true), ("GET", "/api/admin/projections/status", nil, true),
        ("GET", "/api/admin/users", nil, true), ("GET", "/api/admin/total-debt", nil, true),
        ("DELETE", "/api/admin/events/{e}?dry_run=true", nil, true), ("GET", "/api/admin/streams/contact-{c}", nil, true),
        ("GET", "/api/admin/users/{u}/backup", nil, true), ("GET", "/api/admin/users/{u}/login-logs", nil, true),
        ("GET", "/api/transactions/{t}", nil, false), ("PUT", "/api/transactions/{t}", "{\"amount\":700,\"direction\":\"lent\"}", false),
        ("POST", "/api/admin/projections/verify", nil, true),
        ("POST", "/api/admin/users", "{\"username\":\"made-by-matrix\",\"password\":\"password-123\"}", true),
        ("PUT", "/api/admin/users/{u}/password", "{\"password\":\"password-123\"}", true),
        // Last, as they remove what the routes above use: the user's own deletes succeed, everyone
        // else's find nothing.
        ("DELETE", "/api/transactions/{t}", nil, false), ("DELETE", "/api/contacts/{c}", nil, false),
        ("DELETE", "/api/admin/users/{z}", nil, true),
    ]

    @Test("expected status for every route and caller")
    func matrix() async throws {
        let s = try await ServerProcess.start()
        let (user, userID) = try await s.login("alice")
        let (other, _) = try await s.login("mallory")
        let admin = try await s.adminToken()
        let created = try await s.request("POST", "/api/contacts", token: user, json: ["name": "Grace"])
        let contact = try #require(created.json["id"]?.stringValue)
        let lent = try await s.request("POST", "/api/transactions", token: user, json: ["contact_id": .string(contact), "amount": 500, "direction": "lent"])
        let transaction = try #require(lent.json["id"]?.stringValue)
        // `{e}`: the transaction's CREATED (its undo can be planned; the contact's cannot while it has a live transaction).
        let events = try await s.request("GET", "/api/sync/events?after=0", token: user)
        let event = try #require(events.json.arrayValue?.last?["id"]?.stringValue)
        let (_, doomed) = try await s.login("zed")
        let expired = ServerProcess.expiredToken(for: userID, username: "alice", admin: false)
        let forged = ServerProcess.forgedToken(for: userID, username: "alice")

        for (method, template, body, needsAdmin) in Self.routes {
            let path = template.replacingOccurrences(of: "{c}", with: contact).replacingOccurrences(of: "{e}", with: event)
                .replacingOccurrences(of: "{u}", with: userID.description).replacingOccurrences(of: "{t}", with: transaction)
                .replacingOccurrences(of: "{z}", with: doomed.description)
            for caller in Caller.allCases {
                let token: String? = switch caller {
                case .none: nil
                case .malformed: "not.a.token"
                case .expired: expired
                case .wrongSignature: forged
                case .user: user
                case .otherUser: other
                case .admin: admin
                }
                let r = try await s.request(method, path, token: token, body: body)
                let expected: Set<Int>
                switch caller {
                case .none, .malformed, .expired, .wrongSignature: expected = [401]
                case .user: expected = needsAdmin ? [403] : [200, 201]
                case .otherUser: expected = needsAdmin ? [403] : (path.contains(contact) || path.contains(transaction) ? [404] : [200, 201])
                case .admin: expected = needsAdmin ? [200, 201] : (path.contains(contact) || path.contains(transaction) ? [404] : [200, 201])
                }
                #expect(expected.contains(r.status), "\(method) \(path) as \(caller): \(r.status) \(r.body.prefix(200))")
                if r.status >= 400 { #expect(r.json["error"] != nil) }
            }
        }
    }

    @Test("every documented operation that is not public refuses missing, malformed, expired and forged tokens; every admin operation refuses a user")
    func everyOperation() async throws {
        let s = try await ServerProcess.start()
        let (user, userID) = try await s.login("alice")
        let expired = ServerProcess.expiredToken(for: userID, username: "alice", admin: true)
        let forged = ServerProcess.forgedToken(for: userID, username: "alice")
        let paths = try #require(try await s.request("GET", "/openapi.json").json["paths"]?.objectValue)
        var checked = 0
        // `/ws` is an upgrade, not a request: its refusals are in RealtimeTests.
        for (template, item) in paths.sorted(by: { $0.key < $1.key }) where template != "/ws" {
            for (method, operation) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) where operation["security"] != .array([]) {
                let path = ServerProcess.concretePath(template, id: Identifier.random().description)
                let verb = method.uppercased()
                let body = verb == "POST" || verb == "PUT" ? "{}" : nil
                for token in [nil, "not.a.token", expired, forged] {
                    let r = try await s.request(verb, path, token: token, body: body)
                    #expect(r.status == 401 && r.json["error"] != nil, "\(verb) \(path) with \(token == nil ? "no token" : "a bad token"): \(r.status)")
                    checked += 1
                }
                if template.hasPrefix("/api/admin/") {
                    let r = try await s.request(verb, path, token: user, body: body)
                    #expect(r.status == 403 && r.json["error"] != nil, "\(verb) \(path) as a user: \(r.status)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 140, "\(checked) checks: the loop reached every operation")
    }

    @Test("a user never sees another user's data")
    func tenancy() async throws {
        let s = try await ServerProcess.start()
        let (alice, _) = try await s.login("alice")
        let (bob, _) = try await s.login("bob")
        _ = try await s.request("POST", "/api/contacts", token: alice, json: ["name": "Alice's friend"])
        #expect(try await s.request("GET", "/api/contacts", token: bob).json == .array([]))
        #expect(try await s.request("GET", "/api/sync/events?after=0", token: bob).json == .array([]))
        #expect(try await s.request("GET", "/api/sync/hash", token: bob).json["event_count"] == .integer(0))
        #expect(try await s.request("GET", "/api/contacts", token: alice).json.arrayValue?.count == 1)
    }

    @Test("a deleted account's token stops working")
    func deletedAccount() async throws {
        let s = try await ServerProcess.start()
        let (token, id) = try await s.login("temp")
        #expect(try await s.request("GET", "/api/contacts", token: token).status == 200)
        #expect(try await s.request("DELETE", "/api/admin/users/\(id)", token: try await s.adminToken()).status == 200)
        #expect(try await s.request("GET", "/api/contacts", token: token).status == 401)
    }
}
