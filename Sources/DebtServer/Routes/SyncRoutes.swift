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
        // One pass writes the three arrays side by side; the object is assembled around them last.
        var accepted = JSONTextWriter(capacity: 40 * events.count + 2)
        var conflicts = JSONTextWriter(capacity: 64)
        var results = JSONTextWriter(capacity: 160 * refusals.count + 2)
        accepted.openArray()
        conflicts.openArray()
        results.openArray()
        var next = 0
        for refusal in refusals {
            results.element()
            results.openObject()
            if let refusal {
                conflicts.element()
                conflicts.canonical(refusal.id)
                results.key("id")
                results.canonical(refusal.id)
                results.member("reason", refusal.reason)
                results.member("status", "conflict")
            } else {
                let (e, o) = (events[next], outcomes[next])
                next += 1
                if o.isAccepted {
                    accepted.element()
                    accepted.id(e.id)
                } else {
                    conflicts.element()
                    conflicts.id(e.id)
                }
                results.member("id", id: e.id)
                results.key("position")
                if let p = o.position { results.integer(p) } else { results.string(nil) }
                results.member("reason", o.isAccepted ? nil : SyncRoutes.clientMessage(o))
                results.member("status", o.isAccepted ? "accepted" : "conflict")
            }
            results.closeObject()
        }
        accepted.closeArray()
        conflicts.closeArray()
        results.closeArray()
        return Array(#"{"accepted":"#.utf8) + accepted.bytes + Array(#","conflicts":"#.utf8) + conflicts.bytes
            + Array(#","results":"#.utf8) + results.bytes + [UInt8(ascii: "}")]
    }

    /// A refusal as a client may see it: another user's stream reads as not found.
    static func clientMessage(_ o: AppendOutcome) -> String {
        if case .conflict(let c) = o, c.kind == .otherUser { return "\(c.message.split(separator: " ").dropFirst().first ?? "stream") not found" }
        return o.description
    }
}
