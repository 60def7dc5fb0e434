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
            var results: [JSONValue?] = []
            for item in items {
                do throws(ValidationError) {
                    var e = try Event(contractJSON: item)
                    e.userID = user.id
                    e.metadata = EventMetadata(actor: user.actor, source: "sync")
                    events.append(e)
                    results.append(nil)
                } catch {
                    results.append(.object(["id": item["id"] ?? .null, "status": "conflict", "reason": .string(error.description)]))
                }
            }
            let outcomes = try await services.appends.append(events, options: user.isAdmin ? .admin : .client)
            var accepted: [JSONValue] = []
            var conflicts: [JSONValue] = []
            var detail: [JSONValue] = []
            var next = 0
            for r in results {
                if let r {
                    conflicts.append(r["id"] ?? .null)
                    detail.append(r)
                    continue
                }
                let e = events[next]
                let o = outcomes[next]
                next += 1
                let id = JSONValue.string(e.id.description)
                if o.isAccepted { accepted.append(id) } else { conflicts.append(id) }
                detail.append(.object([
                    "id": id, "status": .string(o.isAccepted ? "accepted" : "conflict"),
                    "position": o.position.map { .integer($0) } ?? .null,
                    "reason": o.isAccepted ? .null : .string(SyncRoutes.clientMessage(o)),
                ]))
            }
            return .json(["accepted": .array(accepted), "conflicts": .array(conflicts), "results": .array(detail)])
        }
    }

    /// A refusal as a client may see it: another user's stream reads as not found.
    static func clientMessage(_ o: AppendOutcome) -> String {
        if case .conflict(let c) = o, c.kind == .otherUser { return "\(c.message.split(separator: " ").dropFirst().first ?? "stream") not found" }
        return o.description
    }
}
