import DebtCore
import Foundation
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    /// Every operation the served document lists exists on the real server: called as an admin with
    /// placeholder ids, none answers "no such route" or "method not allowed".
    @Test("every documented operation is served")
    func documentMatchesServer() async throws {
        let s = try await ServerProcess.start()
        let doc = try await s.request("GET", "/openapi.json")
        #expect(doc.status == 200)
        let paths = try #require(doc.json["paths"]?.objectValue)
        #expect(paths.count >= 30)
        let admin = try await s.adminToken()
        let (_, user) = try await s.login("ada")
        var checked = 0
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) where path != "/ws" {
            for method in (item.objectValue ?? [:]).keys.sorted() {
                let concrete = ServerProcess.concretePath(path, id: user.description, key: "k")
                let r = try await s.request(method.uppercased(), concrete, token: admin, body: method == "get" || method == "delete" ? nil : "{}")
                #expect(r.json["error"] != "no such route" && r.status != 405, "\(method.uppercased()) \(path): \(r.status) \(r.body.prefix(120))")
                #expect(r.status < 500, "\(method.uppercased()) \(path): \(r.status)")
                checked += 1
            }
        }
        #expect(checked >= 38)
    }

    @Test("the checked-in document is the one served")
    func checkedIn() async throws {
        let s = try await ServerProcess.start()
        let served = try await s.request("GET", "/openapi.json")
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DebtServer/Resources/openapi.json")
        #expect(served.body == (try String(contentsOf: file, encoding: .utf8)))
    }
}
