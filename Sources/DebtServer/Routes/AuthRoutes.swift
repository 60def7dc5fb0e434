import DebtCore
import Hummingbird

/// `POST /api/auth/login` and `POST /api/auth/admin/login`.
struct AuthRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        router.post("/api/auth/login") { request, context in try await login(request, context, adminOnly: false) }
        router.post("/api/auth/admin/login") { request, context in try await login(request, context, adminOnly: true) }
    }

    func login(_ request: Request, _ context: AppContext, adminOnly: Bool) async throws -> Response {
        let body = try await request.jsonObject(limit: 64 * 1024)
        guard let username = body["username"]?.stringValue, !username.isEmpty, let password = body["password"]?.stringValue else {
            throw APIError.badRequest("username and password are required strings")
        }
        let keys = ["ip:" + context.clientAddress, "user:" + username.lowercased()]
        try await services.throttle.check(keys)
        let account = try await services.accounts.byName(username)
        let ok = try await Passwords.verify(password, hash: account?.passwordHash ?? Passwords.decoy) && account?.passwordHash != nil
        try await record(account?.id, username, success: ok, context: context, request: request)
        guard ok, let account else {
            await services.throttle.fail(keys)
            throw APIError(.unauthorized, "invalid username or password")
        }
        if adminOnly, !account.isAdmin { throw APIError(.forbidden, "not an admin account") }
        let now = Timestamp.now().microseconds / 1_000_000
        let expires = now + services.configuration.tokenLifetimeSeconds
        let token = services.signer.sign(.init(userID: account.id, username: account.username, isAdmin: account.isAdmin, issuedAt: now, expiresAt: expires))
        return .json([
            "token": .string(token), "user_id": .string(account.id.description), "username": .string(account.username),
            "is_admin": .bool(account.isAdmin), "expires_at": .string(Timestamp(microseconds: expires * 1_000_000).description),
        ])
    }

    /// The login log: who, from where, whether it worked (never the password).
    func record(_ id: Identifier?, _ username: String, success: Bool, context: AppContext, request: Request) async throws {
        let agent = request.headers[.userAgent].map { String($0.prefix(200)) }
        _ = try await services.database.withSession {
            try await $0.query(
                "INSERT INTO login_logs (user_id, username, success, client, user_agent) VALUES ($1::uuid, $2, $3::boolean, $4, $5)",
                [id?.description, String(username.prefix(200)), success ? "true" : "false", context.clientAddress, agent])
        }
    }
}
