/// The filters operators and the admin API use on the log, turned into one parameterized statement.
public struct EventQuery: Sendable, Hashable {
    /// Event types to match; an entry with a nil aggregate matches that type on either aggregate.
    public var types: [TypeFilter] = []
    public var aggregateType: AggregateType?
    public var aggregateID: Identifier?
    public var userID: Identifier?
    /// Case-insensitive text that must occur in the event's data.
    public var search: String?
    /// Recorded (commit) time bounds, inclusive from, exclusive until.
    public var recordedFrom: Timestamp?
    public var recordedUntil: Timestamp?
    /// Position bounds, both exclusive.
    public var afterPosition: Int64?
    public var beforePosition: Int64?
    public var limit: Int?
    public var offset: Int?
    /// Newest first instead of log order.
    public var newestFirst = false
    /// Adds the owner's account name as a twelfth column (`EventRow.usernameColumn`), so that a listing
    /// needs no second query for names.
    public var withUsername = false

    public struct TypeFilter: Sendable, Hashable {
        public var aggregate: AggregateType?
        public var type: EventType

        public init(aggregate: AggregateType?, type: EventType) {
            self.aggregate = aggregate
            self.type = type
        }

        /// `CREATED` or `CONTACT_CREATED` (case-insensitive); nil otherwise.
        public init?(_ text: String) {
            guard let (t, a) = EventType.parse(text.uppercased()) else { return nil }
            self.init(aggregate: a, type: t)
        }
    }

    public init() {}

    /// The statement and its parameters; the select list is `EventRow.columns`.
    public func sql() -> (String, [String?]) {
        var clauses: [String] = []
        var params: [String?] = []
        func bind(_ value: String) -> String {
            params.append(value)
            return "$\(params.count)"
        }
        if !types.isEmpty {
            let alternatives = types.map { f -> String in
                let t = "event_type = \(bind(f.type.rawValue))"
                guard let a = f.aggregate else { return t }
                return "(\(t) AND aggregate_type = \(bind(a.rawValue)))"
            }
            clauses.append("(" + alternatives.joined(separator: " OR ") + ")")
        }
        if let aggregateType { clauses.append("aggregate_type = \(bind(aggregateType.rawValue))") }
        if let aggregateID { clauses.append("aggregate_id = \(bind(aggregateID.description))::uuid") }
        if let userID { clauses.append("user_id = \(bind(userID.description))::uuid") }
        if let search, !search.isEmpty {
            clauses.append("event_data::text ILIKE '%' || \(bind(EventQuery.escapeLike(search))) || '%'")
        }
        if let recordedFrom { clauses.append("recorded_at >= \(bind(recordedFrom.description))::timestamptz") }
        if let recordedUntil { clauses.append("recorded_at < \(bind(recordedUntil.description))::timestamptz") }
        if let afterPosition { clauses.append("position > \(bind(String(afterPosition)))::bigint") }
        if let beforePosition { clauses.append("position < \(bind(String(beforePosition)))::bigint") }
        var sql = "SELECT \(EventRow.columns)"
        if withUsername { sql += ", (SELECT username FROM users WHERE users.id = events.user_id)" }
        sql += " FROM events"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        // Qualified: an unqualified name would sort by the select list's text cast of the column.
        sql += newestFirst ? " ORDER BY events.position DESC" : " ORDER BY events.position"
        if let limit { sql += " LIMIT \(bind(String(limit)))::bigint" }
        if let offset, offset > 0 { sql += " OFFSET \(bind(String(offset)))::bigint" }
        return (sql, params)
    }

    /// Escapes LIKE's wildcards so that the text matches literally (`%`, `_` and `\`).
    static func escapeLike(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "%" || ch == "_" || ch == "\\" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
