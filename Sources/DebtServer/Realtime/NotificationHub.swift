import DebtCore
import Logging
import PostgresNIO

/// Fans PostgreSQL `NOTIFY` messages out to this instance's WebSocket clients: each user gets only
/// their own events, admins get all. Because notifications come from PostgreSQL, a write through any
/// instance reaches clients of every instance.
actor NotificationHub {
    struct Subscriber {
        let userID: Identifier
        let isAdmin: Bool
        let continuation: AsyncStream<String>.Continuation
        /// Told when the client is dropped, so its connection handler stops even while a write blocks.
        let dropped: AsyncStream<Void>.Continuation
    }

    /// What a connection handler needs: its frames, and the signal that it was dropped as too slow.
    struct Subscription: Sendable {
        let id: Identifier
        let frames: AsyncStream<String>
        let dropped: AsyncStream<Void>
    }

    private var subscribers: [Identifier: Subscriber] = [:]
    /// How many subscribers each user has, and how many are admins: a notification nobody here would
    /// receive is not decoded (a sync push of 500 events is 500 notifications).
    private var subscribersByUser: [Identifier: Int] = [:]
    private var adminSubscribers = 0
    /// The listener's connection failed; set until it listens again.
    private var listenerLost = false
    /// Long-polling requests waiting for any new event.
    private var waiters: [Identifier: AsyncStream<Void>.Continuation] = [:]
    /// Messages a client may have waiting before it counts as too slow and is dropped. One sync batch
    /// (up to `Limits.batchSize` events) arrives as one burst, so a healthy client must fit several.
    let bufferLimit = 4 * Limits.batchSize

    func subscribe(user: AuthenticatedUser) -> Subscription {
        let id = Identifier.random()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let (dropped, dropContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        subscribers[id] = Subscriber(userID: user.id, isAdmin: user.isAdmin, continuation: continuation, dropped: dropContinuation)
        subscribersByUser[user.id, default: 0] += 1
        if user.isAdmin { adminSubscribers += 1 }
        return Subscription(id: id, frames: stream, dropped: dropped)
    }

    func unsubscribe(_ id: Identifier) {
        guard let s = subscribers.removeValue(forKey: id) else { return }
        subscribersByUser[s.userID, default: 1] -= 1
        if subscribersByUser[s.userID] == 0 { subscribersByUser[s.userID] = nil }
        if s.isAdmin { adminSubscribers -= 1 }
        s.continuation.finish()
        s.dropped.finish()
    }

    var count: Int { subscribers.count }

    /// Registers a long-poll: the stream yields once the next event of anyone is delivered.
    func waiter() -> (Identifier, AsyncStream<Void>) {
        let id = Identifier.random()
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        waiters[id] = continuation
        return (id, stream)
    }

    func removeWaiter(_ id: Identifier) {
        waiters.removeValue(forKey: id)?.finish()
    }

    /// Delivers one NOTIFY payload (`Event.notificationJSON`) as the contract's `{"type", "data"}` frame.
    func deliver(payload: String) {
        for w in waiters.values { w.yield() }
        // Decoded only when some subscriber here would receive it: the user's id is found by a scan.
        guard !subscribers.isEmpty else { return }
        if adminSubscribers == 0, let user = Self.userID(in: payload), subscribersByUser[user] == nil { return }
        guard let json = try? JSONValue(parsing: payload), let user = json["user_id"]?.stringValue.flatMap({ Identifier($0) }),
              let type = json["type"]?.stringValue else { return }
        let frame = JSONValue.object([
            "type": .string(type),
            "data": .object([
                "event_id": json["event_id"] ?? .null, "aggregate_id": json["aggregate_id"] ?? .null, "position": json["position"] ?? .null,
                "event_type": json["event_type"] ?? .null, "user_id": .string(user.description),
            ]),
        ]).canonicalText
        for (id, s) in subscribers where s.userID == user || s.isAdmin {
            if case .dropped = s.continuation.yield(frame) {
                // The client has not read `bufferLimit` messages: drop it rather than hold everyone back
                // or buffer for it without bound; its handler closes the connection.
                s.dropped.yield()
                unsubscribe(id)
            }
        }
    }

    /// The `user_id` of a notification payload (PostgreSQL's text of a JSON object, whose values are
    /// ids, numbers and type names), without decoding the rest; nil if it is not found as expected.
    static func userID(in payload: String) -> Identifier? {
        var payload = payload
        return payload.withUTF8 { bytes -> Identifier? in
            let key = Array(#""user_id""#.utf8)
            guard bytes.count > key.count else { return nil }
            var i = 0
            while i + key.count <= bytes.count {
                if bytes[i] == key[0], (0..<key.count).allSatisfy({ bytes[i + $0] == key[$0] }) { break }
                i += 1
            }
            i += key.count
            func skipSpaces() { while i < bytes.count, bytes[i] == 32 { i += 1 } }
            skipSpaces()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpaces()
            guard i + 38 <= bytes.count, bytes[i] == UInt8(ascii: "\""), bytes[i + 37] == UInt8(ascii: "\"") else { return nil }
            return Identifier(String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + 1)..<(i + 37)]), as: UTF8.self))
        }
    }

    /// Ends every subscriber's connection (its client reconnects and catches up by cursor) and wakes
    /// every long-poll.
    func dropAll() {
        for (id, s) in subscribers {
            s.dropped.yield()
            unsubscribe(id)
        }
        for w in waiters.values { w.yield() }
    }

    /// Listens on the notification channel until cancelled, reconnecting after failures. Notifications
    /// sent while the listener was away are lost, so once it listens again every client connected
    /// before is dropped: reconnecting, it pulls by cursor what it missed, and from then on it is told.
    func listen(database: Database, logger: Logger) async {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    // A LISTEN written to a closed connection is never answered (see NIOSession.answered).
                    guard !connection.isClosed else { throw NIOSession.closed }
                    let notifications = try await NIOSession.answered(on: connection, logger: logger) { try await connection.listen(Schema.notifyChannel) }
                    delay = .milliseconds(100)
                    if self.listenerLost {
                        self.listenerLost = false
                        logger.info("notification listener is back; dropping WebSocket clients so they catch up", metadata: ["clients": .stringConvertible(self.count)])
                        self.dropAll()
                    }
                    for try await n in notifications { self.deliver(payload: n.payload) }
                }
            } catch {
                if Task.isCancelled { return }
                listenerLost = true
                logger.warning("notification listener lost its connection; retrying", metadata: ["retry_in_ms": .stringConvertible(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }
}
