import DebtCore
import HummingbirdBcrypt
import NIOPosix
import HTTPTypes

/// Accounts as authentication sees them. Lookups are cached for a few seconds so that a token check
/// costs no query on most requests; a deleted account's tokens stop working within `ttl`, and at once
/// on the instance that deleted it.
actor AccountDirectory {
    struct Account: Sendable {
        let id: Identifier
        let username: String
        let isAdmin: Bool
        let passwordHash: String?
    }

    let database: Database
    let ttl: Duration
    private var cache: [Identifier: (Account?, ContinuousClock.Instant)] = [:]

    init(database: Database, ttl: Duration = .seconds(5)) {
        self.database = database
        self.ttl = ttl
    }

    /// The account if it exists and is not deleted.
    func active(_ id: Identifier) async throws -> Account? {
        if let (account, at) = cache[id], ContinuousClock.now - at < ttl { return account }
        let rows = try await database.withSession {
            try await $0.query("SELECT id::text, username, is_admin::text, password_hash FROM users WHERE id = $1::uuid AND deleted_at IS NULL", [id.description])
        }
        let account = rows.first.flatMap(Self.account)
        cache[id] = (account, ContinuousClock.now)
        if cache.count > 50_000 { cache.removeAll() }
        return account
    }

    func forget(_ id: Identifier) { cache[id] = nil }

    func byName(_ username: String) async throws -> Account? {
        let rows = try await database.withSession {
            try await $0.query("SELECT id::text, username, is_admin::text, password_hash FROM users WHERE username = $1 AND deleted_at IS NULL", [username])
        }
        return rows.first.flatMap(Self.account)
    }

    static func account(_ r: [String?]) -> Account? {
        guard let id = r[0].flatMap({ Identifier($0) }), let name = r[1] else { return nil }
        return Account(id: id, username: name, isAdmin: r[2] == "true", passwordHash: r[3])
    }
}

/// bcrypt, on the thread pool (a hash takes a few hundred milliseconds at cost 12).
enum Passwords {
    static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash to verify against when the user does not exist, so both cases take the same time.
    static let decoy = Bcrypt.hash("decoy-password-never-used", cost: 10)

    static func validate(_ password: String) throws {
        guard password.count >= 8 else { throw APIError.badRequest("password must have at least 8 characters") }
        guard password.utf8.count <= 72 else { throw APIError.badRequest("password must be at most 72 bytes (bcrypt's limit)") }
    }
}

/// Failed logins per client address and per user name within a minute; 429 past the limit.
actor LoginThrottle {
    let limit: Int
    private var failures: [String: [ContinuousClock.Instant]] = [:]

    init(limit: Int) { self.limit = limit }

    func check(_ keys: [String]) throws {
        let now = ContinuousClock.now
        for k in keys {
            let recent = (failures[k] ?? []).filter { now - $0 < .seconds(60) }
            failures[k] = recent
            if recent.count >= limit {
                var e = APIError(.tooManyRequests, "too many failed logins; try again in a minute")
                e.headers[.retryAfter] = "60"
                throw e
            }
        }
    }

    func fail(_ keys: [String]) {
        for k in keys { failures[k, default: []].append(ContinuousClock.now) }
        if failures.count > 100_000 { failures.removeAll() }
    }
}
