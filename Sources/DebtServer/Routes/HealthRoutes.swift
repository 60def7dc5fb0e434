import DebtCore
import Hummingbird

/// `GET /health` (the process answers) and `GET /health/ready` (the database answers and is migrated).
struct HealthRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        router.get("/health") { _, _ in Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "OK"))) }
        router.get("/health/ready") { _, _ -> Response in
            let version: Int
            do {
                version = try await services.withStore { try await $0.schemaVersion() }
            } catch {
                throw APIError(.serviceUnavailable, "database unavailable")
            }
            guard version == Schema.latestVersion else {
                throw APIError(.serviceUnavailable, "database schema at version \(version), expected \(Schema.latestVersion)")
            }
            return .json(["status": "ready", "schema_version": .integer(Int64(version))])
        }
    }
}
