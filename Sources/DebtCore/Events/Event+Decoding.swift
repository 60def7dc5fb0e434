extension Event {
    /// Decodes an event in the contract's shape, as clients send it.
    ///
    /// Structural problems (missing or mistyped envelope fields, unknown aggregate or event types) are
    /// reported here; the rules of each event type are `EventValidator`'s.
    public init(contractJSON json: JSONValue) throws(ValidationError) {
        guard case .object(let o) = json else { throw ValidationError("event", "must be an object, got \(json.typeName)") }
        func string(_ key: String) throws(ValidationError) -> String {
            guard let v = o[key] else { throw ValidationError(key, "is required") }
            guard case .string(let s) = v else { throw ValidationError(key, "must be a string, got \(v.typeName)") }
            return s
        }
        func uuid(_ key: String) throws(ValidationError) -> Identifier {
            let s = try string(key)
            guard let id = Identifier(s) else { throw ValidationError(key, "must be a UUID, got \(JSONValue.quoted(s.prefix(60).description))") }
            return id
        }
        let id = try uuid("id")
        let aggregateText = try string("aggregate_type")
        guard let aggregate = AggregateType(rawValue: aggregateText) else {
            throw ValidationError("aggregate_type", "must be \"contact\" or \"transaction\", got \(JSONValue.quoted(aggregateText.prefix(60).description))")
        }
        let aggregateID = try uuid("aggregate_id")
        let typeText = try string("event_type")
        guard let (type, named) = EventType.parse(typeText), named == nil || named == aggregate else {
            throw ValidationError(
                "event_type", "must be CREATED, UPDATED, DELETED or UNDO (or \(aggregate.rawValue.uppercased())_…), got \(JSONValue.quoted(typeText.prefix(60).description))")
        }
        let data: [String: JSONValue]
        switch o["event_data"] {
        case nil, .null?: data = [:]
        case .object(let d)?: data = d
        case let other?: throw ValidationError("event_data", "must be an object, got \(other.typeName)")
        }
        let stamp = try string("timestamp")
        guard let timestamp = Timestamp(rfc3339: stamp) else {
            throw ValidationError("timestamp", "must be an RFC 3339 timestamp such as 2026-01-18T00:00:00Z, got \(JSONValue.quoted(stamp.prefix(60).description))")
        }
        guard let v = o["version"] else { throw ValidationError("version", "is required") }
        guard case .integer(let version) = v else { throw ValidationError("version", "must be an integer, got \(v.typeName)") }
        self.init(
            id: id, aggregateType: aggregate, aggregateID: aggregateID, eventType: type, data: data,
            timestamp: timestamp, version: version)
    }
}
