import DebtCore
import Foundation
import Hummingbird

/// `GET /health` (the process answers), `GET /health/ready` (the database answers and is migrated) and
/// `GET /openapi.json` (the checked-in OpenAPI document, kept true by a test).
struct HealthRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        let openAPI = Self.openAPIDocument
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        router.get("/health") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "OK"))) }
        router.get("/health/ready") { _, _ -> Response in
            let version: Int
            do {
                // A load balancer's probe: answer within ~2 s even while the database is away.
                version = try await services.database.withStore(acquireTimeout: .seconds(2)) { try await $0.schemaVersion() }
            } catch {
                throw APIError(.serviceUnavailable, "database unavailable")
            }
            guard version == Schema.latestVersion else {
                throw APIError(.serviceUnavailable, "database schema at version \(version), expected \(Schema.latestVersion)")
            }
            return .json(["status": "ready", "schema_version": .integer(Int64(version))])
        }
    }

    static let openAPIDocument: [UInt8] = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Array(#"{"error":"OpenAPI document missing from the build"}"#.utf8)
        }
        return Array(data)
    }()
}
