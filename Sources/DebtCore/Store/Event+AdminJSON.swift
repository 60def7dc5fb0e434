extension Event {
    /// Reads an `adminJSON` record back (what `debtctl` gets from the admin API).
    public init(adminJSON o: JSONValue) throws(ValidationError) {
        guard let id = o["event_id"]?.stringValue.flatMap({ Identifier($0) }),
              let aggregate = o["aggregate_type"]?.stringValue.flatMap({ AggregateType(rawValue: $0) }),
              let aggregateID = o["aggregate_id"]?.stringValue.flatMap({ Identifier($0) }),
              let type = o["event_type"]?.stringValue.flatMap({ EventType(rawValue: $0) }),
              let version = o["version"]?.integerValue,
              let timestamp = o["timestamp"]?.stringValue.flatMap({ Timestamp(rfc3339: $0) })
        else { throw ValidationError("event", "is not an admin event record") }
        self.init(
            id: id, aggregateType: aggregate, aggregateID: aggregateID, eventType: type, data: o["event_data"]?.objectValue ?? [:],
            timestamp: timestamp, version: version, position: o["position"]?.integerValue,
            userID: o["user_id"]?.stringValue.flatMap { Identifier($0) }, metadata: EventMetadata(json: o["metadata"] ?? .null),
            recordedAt: o["created_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) })
    }
}

extension UndoPlan {
    /// The plan as the admin API answers it and `debtctl` shows it.
    public var json: JSONValue {
        .object([
            "target": .string(target.id.description), "type": .string(target.fullTypeName), "stream": .string(target.stream.description),
            "user_id": .string(target.userID?.description ?? ""), "redo": .bool(isRedo),
            "undo_event_id": undoEvent.map { .string($0.id.description) } ?? .null,
            "already_undone_by": alreadyUndoneBy.map { .string($0.description) } ?? .null,
            "before": before?.json ?? .null, "after": after?.json ?? .null, "total_delta": .integer(totalDelta),
            "balance_changes": .array(balanceChanges.map {
                .object(["contact_id": .string($0.contactID.description), "before": .integer($0.before), "after": .integer($0.after)])
            }),
        ])
    }
}
