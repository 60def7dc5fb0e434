import DebtCore
import DebtServer

/// `debt-server users add|passwd`: accounts from the command line, passwords from standard input.
enum UserAccounts {
    static func set(store: EventStore, name: String, password: String, admin: Bool, create: Bool, cost: UInt8) async throws -> String {
        let hash = PasswordHashing.hash(password, cost: cost)
        if create {
            let id = try await store.createUser(username: name, passwordHash: hash, isAdmin: admin)
            return "created \(admin ? "admin" : "user") \(name) (\(id))"
        }
        let rows = try await store.session.query(
            "UPDATE users SET password_hash = $2 WHERE username = $1 AND deleted_at IS NULL RETURNING id::text", [name, hash])
        guard !rows.isEmpty else { throw StoreError.notFound("no user '\(name)'") }
        return "changed the password of \(name)"
    }
}
