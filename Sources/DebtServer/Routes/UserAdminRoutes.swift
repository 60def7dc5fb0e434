import DebtCore
import Hummingbird

/// Account administration: list, create, delete, reset password, login logs, backup and restore.
struct UserAdminRoutes {
    let services: Services

    func register(_ admin: RouterGroup<AppContext>) {
        admin.get("/users") { _, _ -> Response in .json(.array(try await services.withStore { try await $0.users() })) }
        admin.post("/users") { request, _ -> Response in
            let body = try await request.jsonObject(limit: 64 * 1024)
            guard let username = body["username"]?.stringValue, (1...100).contains(username.count),
                  username.allSatisfy({ $0.isLetter || $0.isNumber || "._-@".contains($0) }) else {
                throw APIError.badRequest("username must be 1 to 100 letters, digits or . _ - @")
            }
            guard let password = body["password"]?.stringValue else { throw APIError.badRequest("password is required") }
            try Passwords.validate(password)
            let email = body["email"]?.stringValue
            let isAdmin = body["is_admin"]?.boolValue ?? false
            let hash = try await Passwords.hash(password, cost: services.configuration.bcryptCost)
            do {
                let id = try await services.withStore { try await $0.createUser(username: username, email: email, passwordHash: hash, isAdmin: isAdmin) }
                return .json(["id": .string(id.description), "username": .string(username), "is_admin": .bool(isAdmin)], status: .created)
            } catch let e as SQLError where e.isUniqueViolation {
                throw APIError.conflict("username '\(username)' is taken")
            }
        }
        admin.delete("/users/:id") { _, context -> Response in
            let me = try context.requireAdmin()
            let id = try context.parameters.identifier("id")
            guard id != me.id else { throw APIError.badRequest("you cannot delete your own account") }
            let rows = try await services.database.withSession {
                try await $0.query("UPDATE users SET deleted_at = now() WHERE id = $1::uuid AND deleted_at IS NULL RETURNING username", [id.description])
            }
            guard !rows.isEmpty else { throw APIError.notFound("user \(id) not found") }
            await services.accounts.forget(id)
            return .json(["id": .string(id.description), "deleted": true])
        }
        admin.put("/users/:id/password") { request, context -> Response in
            let id = try context.parameters.identifier("id")
            guard let password = try await request.jsonObject(limit: 64 * 1024)["password"]?.stringValue else {
                throw APIError.badRequest("body must be {\"password\": …}")
            }
            try Passwords.validate(password)
            let hash = try await Passwords.hash(password, cost: services.configuration.bcryptCost)
            let rows = try await services.database.withSession {
                try await $0.query("UPDATE users SET password_hash = $2 WHERE id = $1::uuid AND deleted_at IS NULL RETURNING id::text", [id.description, hash])
            }
            guard !rows.isEmpty else { throw APIError.notFound("user \(id) not found") }
            return .json(["id": .string(id.description), "password_changed": true])
        }
        admin.get("/users/:id/login-logs") { _, context -> Response in
            let id = try context.parameters.identifier("id")
            let rows = try await services.database.withSession {
                try await $0.query(
                    "SELECT success::text, client, user_agent, \(SQLText.micros("at")) FROM login_logs WHERE user_id = $1::uuid ORDER BY at DESC LIMIT 200",
                    [id.description])
            }
            return .json(.array(rows.map { r in
                .object([
                    "success": .bool(r[0] == "true"), "client": r[1].map { .string($0) } ?? .null, "user_agent": r[2].map { .string($0) } ?? .null,
                    "at": SQLText.timestamp(r[3]),
                ])
            }))
        }
        admin.get("/users/:id/backup") { _, context -> Response in
            let id = try context.parameters.identifier("id")
            var q = EventQuery()
            q.userID = id
            let events = try await services.withStore { try await $0.events(q) }
            var bytes: [UInt8] = []
            for e in events {
                guard case .object(var o) = e.syncJSON else { continue }
                o["metadata"] = e.metadata.json
                JSONValue.object(o).writeCanonical(into: &bytes)
                bytes.append(0x0A)
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/x-ndjson", .contentDisposition: "attachment; filename=\"backup-\(id).ndjson\""],
                body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        admin.post("/users/:id/restore") { request, context -> Response in
            let id = try context.parameters.identifier("id")
            guard try await services.accounts.active(id) != nil else { throw APIError.notFound("user \(id) not found") }
            var buffer = try await request.body.collect(upTo: services.bodyLimit)
            let text = buffer.readString(length: buffer.readableBytes) ?? ""
            var events: [Event] = []
            for (n, line) in text.split(separator: "\n").enumerated() where !line.allSatisfy(\.isWhitespace) {
                let json = try JSONValue(parsing: String(line))
                do throws(ValidationError) {
                    var e = try Event(contractJSON: json)
                    e.userID = id
                    e.metadata = json["metadata"].map(EventMetadata.init(json:)) ?? EventMetadata()
                    e.metadata.source = "restore"
                    events.append(e)
                } catch {
                    throw APIError.badRequest("line \(n + 1): \(error)")
                }
            }
            let outcomes = try await services.appends.append(events, options: .admin)
            let appended = outcomes.filter { if case .appended = $0 { return true } else { return false } }.count
            let present = outcomes.filter { if case .duplicate = $0 { return true } else { return false } }.count
            let refused = zip(events, outcomes).filter { !$0.1.isAccepted }.map { JSONValue.object(["id": .string($0.0.id.description), "reason": .string($0.1.description)]) }
            return .json(["appended": .integer(Int64(appended)), "already_present": .integer(Int64(present)), "refused": .array(refused)])
        }
    }
}
