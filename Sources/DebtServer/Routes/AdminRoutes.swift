import DebtCore
import Foundation
import Hummingbird

/// `/api/admin/*`: every route needs an admin token.
struct AdminRoutes {
    let services: Services

    func register(_ router: Router<AppContext>) {
        let admin = router.group("/api/admin").add(middleware: RequireAdmin())
        admin.get("/events") { request, _ -> Response in .json(.array(try await longPolledEvents(request).map(\.adminJSON))) }
        admin.get("/events/latest") { _, _ -> Response in
            let latest = try await services.withStore { store -> Event? in
                var q = EventQuery()
                q.newestFirst = true
                q.limit = 1
                return try await store.events(q).first
            }
            return .json(["latest_event_id": .integer(latest?.position ?? 0), "timestamp": latest?.recordedAt.map { .string($0.description) } ?? .null])
        }
        admin.get("/events/:id") { _, context -> Response in
            let id = try context.parameters.identifier("id")
            return .json(try await services.withStore { store -> JSONValue in
                guard let e = try await store.event(id: id) else { throw APIError.notFound("event \(id) not found") }
                guard case .object(var o) = e.adminJSON else { return e.adminJSON }
                o["stream"] = .string(e.stream.description)
                o["undone_by"] = .array(try await store.undos(of: id).map { .string($0.id.description) })
                o["undoes"] = e.undoneEventID.map { .string($0.description) } ?? .null
                return .object(o)
            })
        }
        admin.delete("/events/:id") { request, context in try await undo(request, context) }
        admin.get("/streams/:stream") { _, context -> Response in
            guard let text = context.parameters.get("stream"), let stream = StreamID(text) else {
                throw APIError.badRequest("stream must be contact-<id> or transaction-<id>")
            }
            return .json(try await services.withStore { store -> JSONValue in
                let replay = try await store.stream(stream)
                guard !replay.events.isEmpty else { throw APIError.notFound("stream \(stream) not found") }
                let undone = replay.undoneBy
                return .object([
                    "stream": .string(stream.description), "version": .integer(replay.version), "state": replay.state?.json ?? .null,
                    "events": .array(replay.events.map { e in
                        guard case .object(var o) = e.adminJSON else { return .null }
                        o["live"] = .bool(e.eventType != .undo && undone[e.id] == nil)
                        o["undone_by"] = undone[e.id].map { .string($0.description) } ?? .null
                        return .object(o)
                    }),
                ])
            })
        }
        admin.get("/contacts") { request, _ -> Response in .json(.array(try await services.withStore { try await $0.contacts(try filter(request)) })) }
        admin.get("/transactions") { request, _ -> Response in .json(.array(try await services.withStore { try await $0.transactions(try filter(request)) })) }
        admin.get("/total-debt") { _, _ -> Response in
            let totals = try await services.withStore { try await $0.totals() }
            let sum = totals.reduce(Int64(0)) { $0 + ($1["total"]?.integerValue ?? 0) }
            return .json(["total_debt": .integer(sum), "users": .array(totals)])
        }
        admin.get("/projections/status") { _, _ -> Response in
            let rows = try await services.withStore { try await $0.projectionStatus() }
            let head = rows.first?["head"] ?? .integer(0)
            return .json([
                "last_event_id": head, "is_up_to_date": .bool(rows.allSatisfy { $0["is_up_to_date"] == .bool(true) }),
                "projections": .array(rows), "rebuild": await services.rebuilds.json,
            ])
        }
        admin.post("/projections/rebuild") { _, _ -> Response in
            let tracker = services.rebuilds
            await tracker.start(total: 0)
            let result: EventStore.RebuildResult
            do {
                result = try await services.withStore { store in
                    // Progress callbacks are synchronous; the tracker is an actor, so updates are sent to it.
                    try await store.rebuildProjections { done, total in Task { await tracker.update(done, total) } }
                }
                await tracker.finish()
            } catch {
                await tracker.finish()
                throw error
            }
            return .json([
                "status": "success", "events_processed": .integer(result.eventsProcessed), "caught_up": .integer(result.caughtUp),
                "head": .integer(result.head),
            ])
        }
        admin.post("/projections/verify") { _, _ -> Response in
            let report = try await services.withStore { try await $0.verifyProjections() }
            return .json(["head": .integer(report.head), "events_replayed": .integer(report.eventsReplayed), "drifts": .array(report.drifts.map(\.json))])
        }
        UserAdminRoutes(services: services).register(admin)
    }

    func filter(_ request: Request) throws -> EventStore.ListFilter {
        var f = EventStore.ListFilter()
        let p = request.uri.queryParameters
        if let u = p.get("user_id") {
            guard let id = Identifier(u) else { throw APIError.badRequest("user_id must be a UUID") }
            f.userID = id
        }
        f.includeDeleted = p.get("include_deleted") == "true"
        f.limit = try p.get("limit").map { s in
            guard let n = Int(s), n >= 1, n <= 10_000 else { throw APIError.badRequest("limit must be between 1 and 10000") }
            return n
        } ?? 1000
        return f
    }

    /// `wait=S` with `after=N` (an extension for `debtctl events tail -f`): when nothing matches yet,
    /// answer as soon as a new event is appended anywhere, or after S seconds (at most 60) with `[]`.
    func longPolledEvents(_ request: Request) async throws -> [Event] {
        let first = try await events(request)
        guard first.isEmpty, request.uri.queryParameters.get("after") != nil, let text = request.uri.queryParameters.get("wait") else { return first }
        guard let seconds = Int(text), (0...60).contains(seconds) else { throw APIError.badRequest("wait must be 0 to 60 seconds") }
        let (id, stream) = await services.hub.waiter()
        defer { Task { [hub = services.hub] in await hub.removeWaiter(id) } }
        // Read again after registering: an event appended in between is not missed.
        let again = try await events(request)
        guard again.isEmpty else { return again }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for await _ in stream { return } }
            group.addTask { try? await Task.sleep(for: .seconds(seconds)) }
            await group.next()
            group.cancelAll()
        }
        return try await events(request)
    }

    /// `GET /api/admin/events` with the contract's filters and the extensions.
    func events(_ request: Request) async throws -> [Event] {
        let p = request.uri.queryParameters
        var q = EventQuery()
        func int(_ name: String, min: Int64, max: Int64 = .max) throws -> Int64? {
            guard let s = p.get(name) else { return nil }
            guard let n = Int64(s), n >= min, n <= max else { throw APIError.badRequest("\(name) must be a whole number from \(min)") }
            return n
        }
        func time(_ name: String) throws -> Timestamp? {
            guard let s = p.get(name), !s.isEmpty else { return nil }
            if let t = Timestamp(rfc3339: s) { return t }
            if let d = CalendarDate(s) { return Timestamp(rfc3339: d.description + "T00:00:00Z") }
            throw APIError.badRequest("\(name) must be a date or an RFC 3339 timestamp")
        }
        if let t = p.get("event_type"), !t.isEmpty {
            q.types = try t.split(separator: ",").map { s in
                guard let f = EventQuery.TypeFilter(String(s)) else { throw APIError.badRequest("unknown event_type '\(s)'") }
                return f
            }
        }
        if let a = p.get("aggregate_type"), !a.isEmpty {
            guard let t = AggregateType(rawValue: a) else { throw APIError.badRequest("aggregate_type must be contact or transaction") }
            q.aggregateType = t
        }
        for (name, set) in [("aggregate_id", { (i: Identifier) in q.aggregateID = i }), ("user_id", { (i: Identifier) in q.userID = i })] {
            guard let s = p.get(name), !s.isEmpty else { continue }
            guard let id = Identifier(s) else { throw APIError.badRequest("\(name) must be a UUID") }
            set(id)
        }
        q.search = p.get("search")
        q.recordedFrom = try time("date_from")
        q.recordedUntil = try time("date_to")
        q.afterPosition = try int("after", min: 0)
        q.beforePosition = try int("before", min: 1)
        q.limit = Int(try int("limit", min: 1, max: 10_000) ?? 100)
        q.offset = Int(try int("offset", min: 0) ?? 0)
        q.newestFirst = q.afterPosition == nil
        let query = q
        return try await services.withStore { try await $0.events(query) }
    }

    /// `DELETE /api/admin/events/:id[?dry_run=true]`: appends an UNDO (reason from the body or `?reason=`).
    func undo(_ request: Request, _ context: AppContext) async throws -> Response {
        let admin = try context.requireAdmin()
        let id = try context.parameters.identifier("id")
        let p = request.uri.queryParameters
        let dryRun = p.get("dry_run") == "true"
        var reason = p.get("reason")
        if reason == nil, request.headers[.contentLength].map({ $0 != "0" }) ?? false {
            reason = try await request.jsonObject(limit: 64 * 1024)["reason"]?.stringValue
        }
        if !dryRun, reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
            throw APIError.badRequest("a reason is required: ?reason=… or {\"reason\": \"…\"}")
        }
        let result = try await services.withStore {
            try await $0.undo(eventID: id, metadata: EventMetadata(actor: admin.actor, reason: reason, source: "admin-api"), dryRun: dryRun)
        }
        guard case .object(var o) = result.plan.json else { return .json(result.plan.json) }
        o["status"] = .string(dryRun ? "dry_run" : result.appendedAt != nil ? "undone" : "already_undone")
        o["undone_event_id"] = .string(id.description)
        o["position"] = result.appendedAt.map { .integer($0) } ?? .null
        return .json(.object(o))
    }
}

/// Refuses non-admins before any admin handler runs (401 without a token, 403 with a user's).
struct RequireAdmin: RouterMiddleware {
    typealias Context = AppContext
    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        _ = try context.requireAdmin()
        return try await next(request, context)
    }
}
