import DebtCore
import Hummingbird

/// The local-first clients' sync: hash, pull (by time or by gap-free cursor), push.
struct SyncRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        router.get("/api/sync/hash") { _, context -> Response in
            let user = try context.requireUser()
            let (hash, last) = try await services.withStore { try await $0.syncHash(of: user.id) }
            return .json([
                "hash": .string(hash.hex), "event_count": .integer(hash.count),
                "last_event_timestamp": last.map { .string($0.description) } ?? .null,
            ])
        }

        router.get("/api/sync/events") { request, context -> Response in
            let user = try context.requireUser()
            let p = request.uri.queryParameters
            var q = EventQuery()
            q.userID = user.id
            if let since = p.get("since") {
                guard p.get("after") == nil else { throw APIError.badRequest("use since or after, not both") }
                guard let t = Timestamp(rfc3339: since) else { throw APIError.badRequest("since must be an RFC 3339 timestamp, e.g. 2026-01-18T00:00:00Z") }
                q.recordedFrom = t
            }
            if let after = p.get("after") {
                guard let n = Int64(after), n >= 0 else { throw APIError.badRequest("after must be a position (a whole number)") }
                q.afterPosition = n
            }
            if let limit = p.get("limit") {
                guard let n = Int(limit), n >= 1, n <= 10_000 else { throw APIError.badRequest("limit must be between 1 and 10000") }
                q.limit = n
            } else if q.afterPosition != nil {
                q.limit = 1000
            }
            let events = try await services.withStore { try await $0.events(q) }
            return .json(.array(events.map(\.syncJSON)))
        }

        router.post("/api/sync/events") { request, context -> Response in
            let user = try context.requireUser()
            guard case .array(let items) = try await request.json(limit: services.bodyLimit) else {
                throw APIError.badRequest("request body must be a JSON array of events")
            }
            guard items.count <= Limits.batchSize else { throw APIError(.contentTooLarge, "at most \(Limits.batchSize) events per request") }
            var events: [Event] = []
            // Per item: nil for an event that went to the append path, else why it was refused.
            var refusals: [(id: JSONValue, reason: String)?] = []
            for item in items {
                do throws(ValidationError) {
                    var e = try Event(contractJSON: item)
                    e.userID = user.id
                    e.metadata = EventMetadata(actor: user.actor, source: "sync")
                    events.append(e)
                    refusals.append(nil)
                } catch {
                    refusals.append((item["id"] ?? .null, error.description))
                }
            }
            let outcomes = try await services.appends.append(events, options: user.isAdmin ? .admin : .client)
            return .json(text: SyncRoutes.pushAnswer(refusals: refusals, events: events, outcomes: outcomes))
        }
    }

    /// The answer to a push, `{"accepted", "conflicts", "results"}`, written as canonical text (keys
    /// sorted) directly: as a `JSONValue` it was 500 small dictionaries, built, sorted and serialized.
    static func pushAnswer(refusals: [(id: JSONValue, reason: String)?], events: [Event], outcomes: [AppendOutcome]) -> [UInt8] {
        var w = JSONTextWriter(capacity: 160 * refusals.count + 64)
        func eachItem(_ body: (_ refusal: (id: JSONValue, reason: String)?, _ event: Event?, _ outcome: AppendOutcome?) -> Void) {
            var next = 0
            for r in refusals {
                if let r { body(r, nil, nil); continue }
                body(nil, events[next], outcomes[next])
                next += 1
            }
        }
        w.openObject()
        w.key("accepted")
        w.openArray()
        eachItem { _, e, o in
            guard let e, let o, o.isAccepted else { return }
            w.element()
            w.string(e.id.description)
        }
        w.closeArray()
        w.key("conflicts")
        w.openArray()
        eachItem { r, e, o in
            if let r {
                w.element()
                w.canonical(r.id)
            } else if let e, let o, !o.isAccepted {
                w.element()
                w.string(e.id.description)
            }
        }
        w.closeArray()
        w.key("results")
        w.openArray()
        eachItem { r, e, o in
            w.element()
            w.openObject()
            if let r {
                w.key("id")
                w.canonical(r.id)
                w.member("reason", r.reason)
                w.member("status", "conflict")
            } else if let e, let o {
                w.member("id", e.id.description)
                w.key("position")
                if let p = o.position { w.integer(p) } else { w.string(nil) }
                w.member("reason", o.isAccepted ? nil : SyncRoutes.clientMessage(o))
                w.member("status", o.isAccepted ? "accepted" : "conflict")
            }
            w.closeObject()
        }
        w.closeArray()
        w.closeObject()
        return w.bytes
    }

    /// A refusal as a client may see it: another user's stream reads as not found.
    static func clientMessage(_ o: AppendOutcome) -> String {
        if case .conflict(let c) = o, c.kind == .otherUser { return "\(c.message.split(separator: " ").dropFirst().first ?? "stream") not found" }
        return o.description
    }
}
