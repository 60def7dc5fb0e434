import DebtCore
import Foundation
import Testing

/// Hand-made hostile requests against every operation of the served OpenAPI document: malformed and
/// mistyped bodies, invalid ids, NUL bytes and SQL text in every path and query parameter. Not one
/// answer may be a 5xx, and every refusal has the contract's `{"error": …}` body.
@Suite("Hostile input: no 5xx")
struct HostileInputTests {
    static let nasty = ["'; DROP TABLE events; --", "\" OR 1=1 --", "%00", "../../etc/passwd", "-1", "99999999999999999999", "not-a-uuid", "🦆", "%27%3B"]
    static let bodies = ["{", "[]", "\"text\"", "null", "{\"name\": 5, \"amount\": \"x\", \"version\": -1}", "{\"name\": \"a\\u0000b\"}",
                         "[{\"id\": \"x\"}]", "{\"username\": \"a\\u0000\", \"password\": \"p\"}", String(repeating: "[", count: 10_000)]

    @Test("every documented operation × malformed bodies, bad path ids, NUL and SQL in query parameters")
    func everyOperation() async throws {
        let s = try await ServerProcess.start()
        let (user, userID) = try await s.login("ada")
        let admin = try await s.adminToken()
        let paths = try #require(try await s.request("GET", "/openapi.json").json["paths"]?.objectValue)
        var tried = 0
        var failures: [String] = []
        func check(_ method: String, _ path: String, token: String, body: String?) async throws {
            let r = try await s.request(method, path, token: token, body: body)
            tried += 1
            if r.status >= 500 { failures.append("\(method) \(path) body \(body?.prefix(40) ?? "-"): \(r.status) \(r.body.prefix(120))") }
            if r.status >= 400, r.status != 413, r.json["error"]?.stringValue == nil, !path.hasPrefix("/admin") {
                failures.append("\(method) \(path): \(r.status) without an error body: \(r.body.prefix(80))")
            }
        }
        for (template, item) in paths.sorted(by: { $0.key < $1.key }) where template != "/ws" && template != "/api/admin/projections/rebuild" {
            for (method, operation) in (item.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                let verb = method.uppercased()
                let queryNames = (operation["parameters"]?.arrayValue ?? []).filter { $0["in"] == "query" }.compactMap { $0["name"]?.stringValue }
                let pathParams = ["{id}", "{stream}", "{key}", "{file}"].filter { template.contains($0) }
                let concrete = ServerProcess.concretePath(template, id: userID.description)
                for token in [admin, user] {
                    if verb == "POST" || verb == "PUT" {
                        for body in Self.bodies { try await check(verb, concrete, token: token, body: body) }
                    }
                    for bad in Self.nasty where !pathParams.isEmpty {
                        var p = template
                        for param in pathParams { p = p.replacingOccurrences(of: param, with: bad.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? bad) }
                        try await check(verb, p, token: token, body: verb == "GET" || verb == "DELETE" ? nil : "{}")
                    }
                    for name in queryNames where verb == "GET" && name != "wait" {
                        for bad in Self.nasty {
                            let value = bad.hasPrefix("%") ? bad : (bad.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? bad)
                            try await check(verb, "\(concrete)?\(name)=\(value)", token: token, body: nil)
                        }
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) bad answers:\n\(failures.prefix(15).joined(separator: "\n"))")
        #expect(tried > 800, "the loop reached every operation")
        print("RELIABILITY: hostile input: \(tried) hand-made requests over every documented operation, \(failures.count) 5xx or bodiless errors")
    }

    @Test("a 10 MB body is refused 413 before it is read whole; text with SQL in it is stored and found verbatim; NUL is a 400")
    func bodiesAndText() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let admin = try await s.adminToken()
        let big = "[" + String(repeating: "{\"id\":\"00000000-0000-0000-0000-000000000000\"},", count: 250_000) + "{}]"
        #expect(big.utf8.count > 10_000_000)
        let r = try await s.request("POST", "/api/sync/events", token: token, body: big)
        #expect(r.status == 413 && r.json["error"] != nil)
        for text in ["'); DELETE FROM events; --", "%_\\", "$1::uuid", "<script>alert(1)</script>"] {
            let created = try await s.request("POST", "/api/contacts", token: token, json: ["name": .string(text)])
            #expect(created.status == 201 && created.json["name"] == .string(text))
            let q = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
            let found = try await s.request("GET", "/api/admin/events?search=\(q)", token: admin).json.arrayValue ?? []
            #expect(found.contains { $0["event_data"]?["name"] == .string(text) }, "search for \(text)")
        }
        let nul = try await s.request("POST", "/api/auth/login", body: "{\"username\": \"a\\u0000b\", \"password\": \"x\"}")
        #expect(nul.status == 400 || nul.status == 401, "\(nul.status) \(nul.body)")
        let setting = try await s.request("PUT", "/api/settings/theme", token: token, body: "{\"value\": \"a\\u0000\"}")
        #expect(setting.status == 400, "\(setting.status) \(setting.body)")
        let search = try await s.request("GET", "/api/admin/events?search=%00", token: admin)
        #expect(search.status < 500, "\(search.status) \(search.body)")
    }
}
