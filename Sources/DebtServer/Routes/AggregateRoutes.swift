import DebtCore
import Foundation
import HTTPTypes
import Hummingbird

/// The direct API for one aggregate kind: `GET/POST /api/contacts`, `GET/PUT/DELETE /api/contacts/:id`
/// (and the same for transactions). Every write is one event through the store's append path.
struct AggregateRoutes {
    let services: Services
    let kind: AggregateType

    var path: String { kind == .contact ? "/api/contacts" : "/api/transactions" }
    var fields: Set<String> {
        kind == .contact
            ? ["name", "username", "phone", "email", "notes", "comment"]
            : ["contact_id", "amount", "direction", "type", "currency", "description", "transaction_date", "due_date", "comment"]
    }

    func register(_ router: Router<AppContext>) {
        router.get(RouterPath(path)) { request, context -> Response in
            let user = try context.requireUser()
            var filter = EventStore.ListFilter(userID: user.id)
            filter.includeDeleted = request.uri.queryParameters.get("include_deleted") == "true"
            if kind == .transaction, let c = request.uri.queryParameters.get("contact_id") {
                guard let id = Identifier(c) else { throw APIError.badRequest("contact_id must be a UUID") }
                filter.contactID = id
            }
            return .json(.array(try await services.withStore { try await list($0, filter) }))
        }
        router.get(RouterPath(path + "/:id")) { _, context -> Response in
            let user = try context.requireUser()
            let id = try context.parameters.identifier("id")
            return .json(try await services.withStore { try await record($0, id, user: user) })
        }
        router.post(RouterPath(path)) { request, context -> Response in
            let user = try context.requireUser()
            let body = try await request.jsonObject(limit: services.bodyLimit)
            return try await create(body, user: user, key: HTTPField.Name.idempotencyKey.flatMap { request.headers[$0] })
        }
        router.put(RouterPath(path + "/:id")) { request, context -> Response in
            let user = try context.requireUser()
            let id = try context.parameters.identifier("id")
            let body = try await request.jsonObject(limit: services.bodyLimit)
            var data = body.filter { fields.contains($0.key) }
            guard !data.isEmpty else { throw APIError.badRequest("nothing to change: give any of \(fields.sorted().joined(separator: ", "))") }
            return try await write(id, type: .updated, expected: try expectedVersion(body, request), user: user) { current in
                if kind == .transaction, case .transaction(let t)? = current {
                    // The contract requires amount and direction on every update; fill what the client omitted.
                    if data["amount"] == nil { data["amount"] = .integer(t.amount) }
                    if data["direction"] == nil { data["direction"] = .string(t.direction.rawValue) }
                }
                return data
            }
        }
        router.delete(RouterPath(path + "/:id")) { request, context -> Response in
            let user = try context.requireUser()
            let id = try context.parameters.identifier("id")
            return try await write(id, type: .deleted, expected: try expectedVersion([:], request), user: user) { _ in [:] }
        }
    }

    func list(_ store: EventStore, _ filter: EventStore.ListFilter) async throws -> [JSONValue] {
        kind == .contact ? try await store.contacts(filter) : try await store.transactions(filter)
    }

    func record(_ store: EventStore, _ id: Identifier, user: AuthenticatedUser) async throws -> JSONValue {
        let filter = EventStore.ListFilter(userID: user.id, contactID: kind == .contact ? id : nil, includeDeleted: true)
        let rows = kind == .contact ? try await store.contacts(filter) : try await store.transactions(filter, id: id)
        guard let row = rows.first else { throw APIError.notFound("\(kind.rawValue) \(id) not found") }
        return row
    }

    /// The version the client last saw (`"version"` in the body or `If-Match`), if it says.
    func expectedVersion(_ body: [String: JSONValue], _ request: Request) throws -> Int64? {
        if let v = body["version"] {
            guard let n = v.integerValue, n >= 1 else { throw APIError.badRequest("version must be a positive integer") }
            return n
        }
        if let tag = request.headers[.ifMatch] {
            guard let n = Int64(tag.trimmingCharacters(in: CharacterSet(charactersIn: "\" W/"))) else { throw APIError.badRequest("If-Match must be a version number") }
            return n
        }
        return nil
    }

    func create(_ body: [String: JSONValue], user: AuthenticatedUser, key: String?) async throws -> Response {
        let data = body.filter { fields.contains($0.key) }
        let scope = "POST " + path
        var aggregateID = Identifier.random()
        var eventID = Identifier.random()
        if let given = body["id"] {
            guard let s = given.stringValue, let id = Identifier(s) else { throw APIError.badRequest("id must be a UUID") }
            aggregateID = id
        }
        // Only a request with an Idempotency-Key needs its digest (to tell a retry from another request).
        let requestDigest = key == nil ? "" : hexString(DebtCore.SHA256.hash(JSONValue.object(body).canonicalText.utf8))
        if let key {
            guard (1...200).contains(key.count) else { throw APIError.badRequest("Idempotency-Key must be 1 to 200 characters") }
            if let stored = try await storedResponse(user: user, scope: scope, key: key, digest: requestDigest) { return stored }
            // Ids derived from the key: a concurrent retry appends the very same event ids and loses cleanly.
            if body["id"] == nil { aggregateID = Self.derivedID(user: user.id, scope: scope, key: key, salt: "aggregate") }
            eventID = Self.derivedID(user: user.id, scope: scope, key: key, salt: "event")
        }
        let event = Event(
            id: eventID, aggregateType: kind, aggregateID: aggregateID, eventType: .created, data: data, timestamp: .now(),
            version: 1, userID: user.id, metadata: EventMetadata(actor: user.actor, source: "api"))
        let (outcomes, readBack) = try await services.appends.append(
            [event], options: .client, readBack: AppendQueue.ReadBack(kind: kind, id: aggregateID, userID: user.id))
        let outcome = outcomes[0]
        switch outcome {
        case .appended, .duplicate:
            break
        case .conflict(let c) where key != nil && (c.kind == .idReused || c.kind == .version):
            for _ in 0..<20 {
                if let stored = try await storedResponse(user: user, scope: scope, key: key ?? "", digest: requestDigest) { return stored }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw APIError.conflict("a request with this Idempotency-Key is still being processed")
        default:
            throw Self.error(for: outcome, kind: kind, id: aggregateID)
        }
        let row: JSONValue
        if let readBack { row = readBack } else { row = try await services.withStore { try await record($0, aggregateID, user: user) } }
        if let key {
            _ = try await services.database.withSession {
                try await $0.query(
                    """
                    INSERT INTO idempotency_keys (user_id, scope, key, request_digest, response_status, response_body)
                    VALUES ($1::uuid, $2, $3, decode($4, 'hex'), 201, $5::jsonb) ON CONFLICT DO NOTHING
                    """, [user.id.description, scope, key, requestDigest, row.canonicalText])
            }
        }
        return .json(row, status: .created)
    }

    func storedResponse(user: AuthenticatedUser, scope: String, key: String, digest: String) async throws -> Response? {
        let rows = try await services.database.withSession {
            try await $0.query(
                "SELECT encode(request_digest, 'hex'), response_status::text, response_body::text FROM idempotency_keys WHERE user_id = $1::uuid AND scope = $2 AND key = $3",
                [user.id.description, scope, key])
        }
        guard let r = rows.first else { return nil }
        guard r[0] == digest else { throw APIError(.unprocessableContent, "Idempotency-Key was already used with a different request") }
        return .json(try JSONValue(parsing: r[2] ?? "{}"), status: .init(code: Int(r[1] ?? "201") ?? 201))
    }

    /// UPDATED or DELETED at the next version (or the one the client expects), 404 for other users' ids.
    func write(
        _ id: Identifier, type: EventType, expected: Int64?, user: AuthenticatedUser,
        data: (AggregateState?) throws -> [String: JSONValue]
    ) async throws -> Response {
        let stream = StreamID(kind, id)
        // Read, append and read back on separate leases: no connection is held while the append waits
        // for its group.
        let history = try await services.withStore { try await $0.stream(stream) }
        guard let owner = history.events.first?.userID, owner == user.id else { throw APIError.notFound("\(kind.rawValue) \(id) not found") }
        let version = (expected ?? history.version) + 1
        let event = Event(
            id: .random(), aggregateType: kind, aggregateID: id, eventType: type, data: try data(history.state), timestamp: .now(),
            version: version, userID: user.id, metadata: EventMetadata(actor: user.actor, source: "api"))
        let (outcomes, readBack) = try await services.appends.append(
            [event], options: .client, readBack: AppendQueue.ReadBack(kind: kind, id: id, userID: user.id))
        guard outcomes[0].isAccepted else { throw Self.error(for: outcomes[0], kind: kind, id: id) }
        if let readBack { return .json(readBack) }
        return .json(try await services.withStore { try await record($0, id, user: user) })
    }

    static func error(for outcome: AppendOutcome, kind: AggregateType, id: Identifier) -> APIError {
        switch outcome {
        case .invalid(let e): return .badRequest(e.description)
        case .conflict(let c):
            switch c.kind {
            case .version: return .conflict("Version conflict: \(c.message)")
            case .notFound, .otherUser: return .notFound("\(kind.rawValue) \(id) not found")
            // A transaction naming a missing contact: the request is wrong, not the URL.
            case .contactUnavailable: return APIError(.unprocessableContent, c.message)
            case .deleted: return APIError(.gone, c.message)
            case .idReused: return .conflict(c.message)
            case .undoRefused: return APIError(.unprocessableContent, c.message)
            }
        default: return APIError(.internalServerError, "internal error")
        }
    }

    /// A UUID (version 4 layout) derived from the user, the route and the client's key.
    static func derivedID(user: Identifier, scope: String, key: String, salt: String) -> Identifier {
        let d = DebtCore.SHA256.hash("\(user)|\(scope)|\(key)|\(salt)".utf8)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(d[i]); low = low << 8 | UInt64(d[8 + i]) }
        return Identifier(high: (high & ~UInt64(0xF000)) | 0x4000, low: (low & ~UInt64(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000)
    }
}
