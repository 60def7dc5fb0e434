import DebtCore
import Foundation
import Testing
import TestSupport

@Suite("Server basics and bad input")
struct ServerBasicsTests {
    @Test("health, readiness, security headers, request ids")
    func health() async throws {
        let s = try await ServerProcess.start()
        let h = try await s.request("GET", "/health")
        #expect(h.status == 200 && h.body == "OK")
        let r = try await s.request("GET", "/health/ready")
        #expect(r.status == 200 && r.json["schema_version"] == .integer(Int64(Schema.latestVersion)))
        #expect(h.headers["x-content-type-options"] == "nosniff")
        #expect(h.headers["x-frame-options"] == "DENY")
        #expect(h.headers["x-request-id"]?.count == 8)
        let missing = try await s.request("GET", "/api/nope")
        #expect(missing.status == 404 || missing.status == 401)
        #expect(missing.json["error"]?.stringValue != nil)
    }

    @Test("login: right password 200, wrong 401 (same message for unknown users), admin login only for admins, throttled after failures")
    func login() async throws {
        let s = try await ServerProcess.start(environment: [:])
        let (token, _) = try await s.login("ada")
        #expect(!token.isEmpty)
        let wrong = try await s.request("POST", "/api/auth/login", json: ["username": "ada", "password": "nope-nope"])
        let unknown = try await s.request("POST", "/api/auth/login", json: ["username": "ghost", "password": "nope-nope"])
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.json == unknown.json)
        let notAdmin = try await s.request("POST", "/api/auth/admin/login", json: ["username": "ada", "password": "password-123"])
        #expect(notAdmin.status == 403)
        var statuses: [Int] = []
        for _ in 0..<12 {
            statuses.append(try await s.request("POST", "/api/auth/login", json: ["username": "victim", "password": "guess-guess"]).status)
        }
        // Two failures from this address above, eight more reach the limit of ten a minute.
        #expect(statuses.prefix(8).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.dropFirst(8).allSatisfy { $0 == 429 }, "\(statuses)")
        let logs = try await s.request("GET", "/api/admin/users", token: try await s.adminToken())
        #expect(logs.status == 200)
    }

    @Test(
        "malformed or wrong input is a 4xx with {\"error\": …}, never a 500, and writes nothing",
        arguments: [
            ("POST", "/api/contacts", "{\"name\":", 400),
            ("POST", "/api/contacts", "[1,2]", 400),
            ("POST", "/api/contacts", "{\"name\": 5}", 400),
            ("POST", "/api/contacts", "{}", 400),
            ("POST", "/api/transactions", "{\"contact_id\":\"not-a-uuid\",\"amount\":5,\"direction\":\"lent\"}", 400),
            ("POST", "/api/transactions", "{\"contact_id\":\"6f1c2a5e-8a55-4d0e-9b53-0a8b1f2d3c4e\",\"amount\":12.5,\"direction\":\"lent\"}", 400),
            ("POST", "/api/transactions", "{\"contact_id\":\"6f1c2a5e-8a55-4d0e-9b53-0a8b1f2d3c4e\",\"amount\":5,\"direction\":\"lent\"}", 422),
            ("PUT", "/api/contacts/not-a-uuid", "{\"name\":\"x\"}", 400),
            ("PUT", "/api/contacts/6f1c2a5e-8a55-4d0e-9b53-0a8b1f2d3c4e", "{\"name\":\"x\"}", 404),
            ("POST", "/api/sync/events", "{\"not\":\"an array\"}", 400),
            ("GET", "/api/sync/events?since=yesterday", "", 400),
            ("GET", "/api/sync/events?after=-1", "", 400),
            ("PUT", "/api/settings/bad%20key", "{\"value\":1}", 400),
            ("GET", "/api/contacts?x='; DROP TABLE events; --", "", 200),
        ] as [(String, String, String, Int)])
    func badInput(_ method: String, _ path: String, _ body: String, _ status: Int) async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let r = try await s.request(method, path, token: token, body: body.isEmpty ? nil : body)
        #expect(r.status == status, "\(method) \(path): \(r.status) \(r.body)")
        if status >= 400 { #expect(r.json["error"]?.stringValue?.isEmpty == false, "\(r.body)") }
        let events = try await s.request("GET", "/api/sync/events?after=0", token: token)
        #expect(events.json.arrayValue?.isEmpty == true)
    }

    @Test("a body over the limit is 413")
    func bodyLimit() async throws {
        let s = try await ServerProcess.start(environment: ["DEBT_BODY_LIMIT": "65536"])
        let (token, _) = try await s.login("ada")
        let big = "{\"name\":\"" + String(repeating: "x", count: 100_000) + "\"}"
        let r = try await s.request("POST", "/api/contacts", token: token, body: big)
        #expect(r.status == 413 && r.json["error"] != nil, "\(r.status) \(r.body)")
    }

    @Test("SQL-injection text in filters and data is stored and returned verbatim")
    func injection() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let name = "Robert'); DROP TABLE events;--"
        let created = try await s.request("POST", "/api/contacts", token: token, json: ["name": .string(name)])
        #expect(created.status == 201 && created.json["name"] == .string(name))
        let admin = try await s.adminToken()
        let found = try await s.request("GET", "/api/admin/events?search=" + "DROP%20TABLE%20events;--%25'", token: admin)
        #expect(found.status == 200)
        let all = try await s.request("GET", "/api/admin/events?search=Robert", token: admin)
        #expect(all.json.arrayValue?.count == 1)
    }

    @Test("SIGTERM lets an in-flight request finish, then the server exits 0")
    func drainsInFlight() async throws {
        let s = try await ServerProcess.start()
        let admin = try await s.adminToken()
        async let pending = s.request("GET", "/api/admin/events?after=0&wait=2", token: admin)
        try await Task.sleep(for: .milliseconds(500))
        s.process.signal(SIGTERM)
        let reply = try await pending
        #expect(reply.status == 200 && reply.json == .array([]), "\(reply.status) \(reply.body)")
        let result = s.process.wait()
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("SIGTERM stops the server gracefully")
    func gracefulShutdown() async throws {
        let s = try await ServerProcess.start()
        s.process.signal(SIGTERM)
        let result = s.process.wait()
        #expect(result.status == 0, "\(result.stderr)")
    }
}
