import DebtCore
import Hummingbird
import HummingbirdWebSocket

/// `GET /ws` (token in `?token=` or the Authorization header): one JSON text frame per change of the
/// caller's data, `{"type": "contact_created", "data": {…}}`. Clients then pull with `/api/sync/events`.
struct WebSocketRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        router.ws("/ws") { _, context in
            context.user == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let user = context.requestContext.user else { return }
            let subscription = await services.hub.subscribe(user: user)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await frame in subscription.frames { try await outbound.write(.text(frame)) }
                }
                group.addTask {
                    // Clients send nothing we act on; reading lets the library answer pings and see the close.
                    for try await _ in inbound {}
                }
                group.addTask {
                    // Dropped as too slow: end the handler (cancelling a write that may be blocked on a full
                    // socket), which closes the connection; the client reconnects and catches up by cursor.
                    for await _ in subscription.dropped { return }
                }
                _ = try await group.next()
                group.cancelAll()
            }
            await services.hub.unsubscribe(subscription.id)
        }
    }
}
