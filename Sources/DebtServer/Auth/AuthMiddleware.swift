import DebtCore
import Hummingbird

/// Reads `Authorization: Bearer <token>` (or `?token=` for WebSocket upgrades, where browsers cannot
/// set headers), verifies it, and checks the account still exists. Routes decide what they require.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppContext
    let signer: TokenSigner
    let accounts: AccountDirectory

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        var token: String?
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else { throw APIError.unauthorized }
            token = String(header.dropFirst(7))
        } else if request.uri.path == "/ws" {
            token = request.uri.queryParameters.get("token")
        }
        if let token {
            let claims: TokenSigner.Claims
            do {
                claims = try signer.verify(token, now: Int64(Timestamp.now().microseconds / 1_000_000))
            } catch {
                throw error == .expired ? APIError(.unauthorized, "token expired") : APIError.unauthorized
            }
            guard let account = try await accounts.active(claims.userID) else { throw APIError(.unauthorized, "account no longer exists") }
            context.user = AuthenticatedUser(id: claims.userID, username: account.username, isAdmin: account.isAdmin)
        }
        return try await next(request, context)
    }
}
