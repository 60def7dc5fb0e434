import DebtCore
import Hummingbird
import HummingbirdWebSocket
import NIOWebSocket

/// `GET /ws` (token in `?token=` or the Authorization header): one JSON text frame per change of the
/// caller's data, `{"type": "contact_created", "data": {…}}`. Clients then pull with `/api/sync/events`.
struct WebSocketRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        router.ws("/ws") { _, context in
            context.user == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let user = context.requestContext.user else { return }
            let (id, stream) = await services.hub.subscribe(user: user)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await frame in stream { try await outbound.write(.text(frame)) }
                    // The hub finished the stream: this client fell too far behind.
                    try await outbound.close(.goingAway, reason: "too slow: reconnect and catch up with /api/sync/events")
                }
                group.addTask {
                    // Clients send nothing we act on; reading lets the library answer pings and see the close.
                    for try await _ in inbound {}
                }
                _ = try await group.next()
                group.cancelAll()
            }
            await services.hub.unsubscribe(id)
        }
    }
}
