/// The read models operators look at, as JSON records with stable field names. The admin API returns
/// these records and `debtctl` prints them, so output is the same whichever backend served it.
extension EventStore {
    public struct ListFilter: Sendable {
        public var userID: Identifier?
        public var contactID: Identifier?
        public var includeDeleted = false
        public var search: String?
        public var limit: Int?
        /// Only these records, by their keys (contacts or transactions), in no particular order.
        public var ids: [Identifier]?

        public init(
            userID: Identifier? = nil, contactID: Identifier? = nil, includeDeleted: Bool = false, search: String? = nil, limit: Int? = nil,
            ids: [Identifier]? = nil
        ) {
            self.userID = userID
            self.contactID = contactID
            self.includeDeleted = includeDeleted
            self.search = search
            self.limit = limit
            self.ids = ids
        }

        /// `ids` as one array parameter.
        var idArray: String? { ids.map { "{" + $0.map(\.description).joined(separator: ",") + "}" } }
    }

    /// Fields: id, user_id, owner, name, username, phone, email, notes, balance, is_deleted, version,
    /// created_at, updated_at.
    public func contacts(_ filter: ListFilter) async throws -> [JSONValue] {
        var clauses: [String] = []
        var params: [String?] = []
        // One contact by its key is looked up by the primary key alone and its owner checked on the row:
        // with a condition on the owner too, statistics that had not yet seen a fast-growing user let the
        // planner walk the owner's (user_id, name) index instead — a scan of all its contacts for every
        // write's read-back (found by the benchmark: up to 500 ms at 1M events, 69 writes/s).
        let byKey = filter.contactID != nil || filter.ids != nil
        if let u = filter.userID, !byKey { params.append(u.description); clauses.append("c.user_id = $\(params.count)::uuid") }
        if let c = filter.contactID { params.append(c.description); clauses.append("c.id = $\(params.count)::uuid") }
        if let ids = filter.idArray { params.append(ids); clauses.append("c.id = ANY($\(params.count)::uuid[])") }
        if !filter.includeDeleted { clauses.append("NOT c.is_deleted") }
        if let s = filter.search, !s.isEmpty {
            params.append(EventQuery.escapeLike(s))
            clauses.append("(c.name ILIKE '%' || $\(params.count) || '%' OR c.phone ILIKE '%' || $\(params.count) || '%' OR c.email ILIKE '%' || $\(params.count) || '%')")
        }
        var sql = """
            SELECT c.id::text, c.user_id::text, u.username, c.name, c.username, c.phone, c.email, c.notes, c.balance::text,
                   c.is_deleted::text, c.version::text, \(SQLText.micros("c.created_at")), \(SQLText.micros("c.updated_at"))
              FROM contacts_projection c LEFT JOIN users u ON u.id = c.user_id
            """
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        // One contact by its key needs no ORDER BY (which, too, could lead the planner to the owner's index).
        if !byKey { sql += " ORDER BY u.username, c.name, c.id" }
        if let limit = filter.limit { params.append(String(limit)); sql += " LIMIT $\(params.count)::bigint" }
        let owner = byKey ? filter.userID : nil
        // Records by their keys are what every REST write reads back: a fixed text per filter shape.
        let rows = filter.ids != nil ? try await session.queryPrepared(sql, params) : try await session.query(sql, params)
        return rows.filter { owner == nil || $0[1].flatMap { Identifier($0) } == owner }.map { r in
            .object([
                "id": ProjectionRow.text(r[0]), "user_id": ProjectionRow.text(r[1]), "owner": ProjectionRow.text(r[2]), "name": ProjectionRow.text(r[3]), "username": ProjectionRow.text(r[4]),
                "phone": ProjectionRow.text(r[5]), "email": ProjectionRow.text(r[6]), "notes": ProjectionRow.text(r[7]), "balance": integer(r[8]),
                "is_deleted": .bool(r[9] == "true"), "version": integer(r[10]), "created_at": SQLText.timestamp(r[11]),
                "updated_at": SQLText.timestamp(r[12]),
            ])
        }
    }

    /// Fields: id, user_id, owner, contact_id, contact_name, amount, direction, type, currency,
    /// description, transaction_date, due_date, comment, contribution, is_deleted, version, created_at, updated_at.
    public func transactions(_ filter: ListFilter, id: Identifier? = nil) async throws -> [JSONValue] {
        var clauses: [String] = []
        var params: [String?] = []
        // One transaction by its key: by the primary key alone, the owner checked on the row (see contacts()).
        let byKey = id != nil || filter.ids != nil
        if let u = filter.userID, !byKey { params.append(u.description); clauses.append("t.user_id = $\(params.count)::uuid") }
        if let c = filter.contactID { params.append(c.description); clauses.append("t.contact_id = $\(params.count)::uuid") }
        if let id { params.append(id.description); clauses.append("t.id = $\(params.count)::uuid") }
        if let ids = filter.idArray { params.append(ids); clauses.append("t.id = ANY($\(params.count)::uuid[])") }
        if !filter.includeDeleted { clauses.append("NOT t.is_deleted") }
        var sql = """
            SELECT t.id::text, t.user_id::text, u.username, t.contact_id::text, c.name, t.amount::text, t.direction, t.type,
                   t.currency, t.description, t.transaction_date, t.due_date, t.comment, t.contribution::text,
                   t.is_deleted::text, t.version::text, \(SQLText.micros("t.created_at")), \(SQLText.micros("t.updated_at"))
              FROM transactions_projection t LEFT JOIN users u ON u.id = t.user_id
              LEFT JOIN contacts_projection c ON c.id = t.contact_id
            """
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        if !byKey { sql += " ORDER BY t.created_at DESC, t.id" }  // rows by their keys: see contacts()
        if let limit = filter.limit { params.append(String(limit)); sql += " LIMIT $\(params.count)::bigint" }
        let owner = byKey ? filter.userID : nil
        let rows = filter.ids != nil ? try await session.queryPrepared(sql, params) : try await session.query(sql, params)
        return rows.filter { owner == nil || $0[1].flatMap { Identifier($0) } == owner }.map { r in
            .object([
                "id": ProjectionRow.text(r[0]), "user_id": ProjectionRow.text(r[1]), "owner": ProjectionRow.text(r[2]), "contact_id": ProjectionRow.text(r[3]), "contact_name": ProjectionRow.text(r[4]),
                "amount": integer(r[5]), "direction": ProjectionRow.text(r[6]), "type": ProjectionRow.text(r[7]), "currency": ProjectionRow.text(r[8]),
                "description": ProjectionRow.text(r[9]), "transaction_date": ProjectionRow.text(r[10]), "due_date": ProjectionRow.text(r[11]), "comment": ProjectionRow.text(r[12]),
                "contribution": integer(r[13]), "is_deleted": .bool(r[14] == "true"), "version": integer(r[15]),
                "created_at": SQLText.timestamp(r[16]), "updated_at": SQLText.timestamp(r[17]),
            ])
        }
    }

    /// Each user's total (the sum of their live contacts' balances; see `Ledger.totals`).
    /// Fields: user_id, username, contacts, total.
    public func totals(userID: Identifier? = nil) async throws -> [JSONValue] {
        var params: [String?] = []
        var sql = """
            SELECT u.id::text, u.username, count(c.id)::text, coalesce(sum(c.balance), 0)::text
              FROM users u LEFT JOIN contacts_projection c ON c.user_id = u.id AND NOT c.is_deleted
            """
        if let userID { params.append(userID.description); sql += " WHERE u.id = $1::uuid" }
        sql += " GROUP BY u.id, u.username ORDER BY u.username"
        return try await session.query(sql, params).map { r in
            .object(["user_id": ProjectionRow.text(r[0]), "username": ProjectionRow.text(r[1]), "contacts": integer(r[2]), "total": integer(r[3])])
        }
    }

    /// Fields: id, username, email, is_admin, created_at, deleted_at, events.
    public func users(id: Identifier? = nil, username: String? = nil, limit: Int? = nil) async throws -> [JSONValue] {
        var params: [String?] = []
        var clauses: [String] = []
        if let id { params.append(id.description); clauses.append("u.id = $\(params.count)::uuid") }
        if let username { params.append(username); clauses.append("u.username = $\(params.count)") }
        var sql = """
            SELECT u.id::text, u.username, u.email, u.is_admin::text, \(SQLText.micros("u.created_at")),
                   \(SQLText.micros("u.deleted_at")), coalesce(s.event_count, 0)::text
              FROM users u LEFT JOIN sync_state s ON s.user_id = u.id
            """
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY u.username"
        if let limit { params.append(String(limit)); sql += " LIMIT $\(params.count)::bigint" }
        return try await session.query(sql, params).map { r in
            .object([
                "id": ProjectionRow.text(r[0]), "username": ProjectionRow.text(r[1]), "email": ProjectionRow.text(r[2]), "is_admin": .bool(r[3] == "true"),
                "created_at": SQLText.timestamp(r[4]), "deleted_at": SQLText.timestamp(r[5]), "events": integer(r[6]),
            ])
        }
    }

    /// A user id from a name or an id text; nil when no such user.
    public func resolveUser(_ nameOrID: String) async throws -> Identifier? {
        if let id = Identifier(nameOrID) { return id }
        return try await session.scalar("SELECT id::text FROM users WHERE username = $1", [nameOrID]).flatMap { Identifier($0) }
    }

    /// The UNDO events that name `eventID`, oldest first.
    public func undos(of eventID: Identifier) async throws -> [Event] {
        try await session.query(
            "SELECT \(EventRow.columns) FROM events WHERE event_type = 'UNDO' AND event_data ->> 'undone_event_id' = $1 ORDER BY events.position",
            [eventID.description]
        ).map(EventRow.decode)
    }
}

private func integer(_ s: String?) -> JSONValue { s.flatMap { Int64($0) }.map { .integer($0) } ?? .null }

extension Event {
    /// The admin API's event record: the contract's fields (`event_id`, `aggregate_id`, `aggregate_type`,
    /// `event_type`, `user_id`, `created_at`, `event_data`) plus `position`, `type` (the full name),
    /// `version`, `timestamp` (when it happened on the device) and `metadata`.
    public var adminJSON: JSONValue {
        .object([
            "position": .integer(position ?? 0), "event_id": .string(id.description), "aggregate_id": .string(aggregateID.description),
            "aggregate_type": .string(aggregateType.rawValue), "event_type": .string(eventType.rawValue),
            "type": .string(fullTypeName), "version": .integer(version), "user_id": .string(userID?.description ?? ""),
            "created_at": .string(recordedAt?.description ?? ""), "timestamp": .string(timestamp.description),
            "event_data": .object(data), "metadata": metadata.json,
        ])
    }
}
