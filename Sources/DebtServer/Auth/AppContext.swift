import DebtCore
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The account a valid token names.
struct AuthenticatedUser: Sendable {
    let id: Identifier
    let username: String
    let isAdmin: Bool

    var actor: String { (isAdmin ? "admin:" : "user:") + username }
}

/// Per-request state: the authenticated user (set by `AuthMiddleware`) and the client's address.
struct AppContext: RequestContext, RemoteAddressRequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket = WebSocketHandlerReference<AppContext>()
    var user: AuthenticatedUser?
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP address, for rate limits and login logs.
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }

    func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw APIError.unauthorized }
        return user
    }

    func requireAdmin() throws -> AuthenticatedUser {
        let u = try requireUser()
        guard u.isAdmin else { throw APIError.forbidden }
        return u
    }
}
