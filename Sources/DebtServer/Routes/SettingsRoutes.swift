import DebtCore
import Hummingbird

/// `GET /api/settings` → `{key: value}`; `PUT /api/settings/:key` `{"value": …}`.
struct SettingsRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        router.get("/api/settings") { _, context -> Response in
            let user = try context.requireUser()
            let rows = try await services.database.withSession {
                try await $0.query("SELECT key, value::text FROM user_settings WHERE user_id = $1::uuid ORDER BY key", [user.id.description])
            }
            var out: [String: JSONValue] = [:]
            for r in rows { if let k = r[0], let v = r[1] { out[k] = try JSONValue(parsing: v) } }
            return .json(.object(out))
        }
        router.put("/api/settings/:key") { request, context -> Response in
            let user = try context.requireUser()
            guard let key = context.parameters.get("key"), (1...100).contains(key.count),
                  key.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }) else {
                throw APIError.badRequest("setting keys are 1 to 100 letters, digits, '_', '.' or '-'")
            }
            let body = try await request.jsonObject(limit: 64 * 1024)
            guard let value = body["value"] else { throw APIError.badRequest("body must be {\"value\": …}") }
            _ = try await services.database.withSession {
                try await $0.query(
                    """
                    INSERT INTO user_settings (user_id, key, value) VALUES ($1::uuid, $2, $3::jsonb)
                    ON CONFLICT (user_id, key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
                    """, [user.id.description, key, value.canonicalText])
            }
            return .json(["key": .string(key), "value": value])
        }
    }
}
