/// Reading events back from SQL rows whose columns are `EventRow.columns`.
public enum EventRow {
    /// The select list every event query uses, in this order. Its columns keep their names but are
    /// text, so ORDER BY must qualify them (`events.position`) to sort numerically.
    public static let columns = selectList(metadata: "metadata::text", recordedAt: SQLText.micros("recorded_at"))

    /// `columns` for a replay of the whole log: an empty object for the metadata (who, why, source) and
    /// the epoch for the time of recording, which no reducer reads, so that it neither computes,
    /// transfers nor parses them (the time of recording alone cost 0.8 s of reading 1,000,000 events).
    public static let replayColumns = selectList(metadata: "'{}'", recordedAt: "'0'")

    static func selectList(metadata: String, recordedAt: String) -> String {
        """
        position::text, event_id::text, user_id::text, aggregate_type, aggregate_id::text, event_type, \
        version::text, event_data::text, \(metadata), \(SQLText.micros("occurred_at")), \(recordedAt)
        """
    }

    /// Where `EventQuery.withUsername` puts the owner's account name.
    public static let usernameColumn = 11

    public static func decode(_ row: [String?]) throws -> Event {
        func col(_ i: Int) throws -> String {
            guard i < row.count, let v = row[i] else { throw StoreError.corrupt("event column \(i) is NULL") }
            return v
        }
        let position = try col(0)
        guard let pos = Int64(position), let id = Identifier(try col(1)), let user = Identifier(try col(2)),
            let aggregate = AggregateType(rawValue: try col(3)), let aggregateID = Identifier(try col(4)),
            let type = EventType(rawValue: try col(5)), let version = Int64(try col(6)),
            let occurred = Int64(try col(9)), let recorded = Int64(try col(10))
        else { throw StoreError.corrupt("event at position \(position)") }
        let data: JSONValue
        let metadata: JSONValue
        do {
            data = try JSONValue(parsing: try col(7))
            metadata = try JSONValue(parsing: try col(8))
        } catch {
            throw StoreError.corrupt("event at position \(position): \(error)")
        }
        return Event(
            id: id, aggregateType: aggregate, aggregateID: aggregateID, eventType: type, data: data.objectValue ?? [:],
            timestamp: Timestamp(microseconds: occurred), version: version, position: pos, userID: user,
            metadata: EventMetadata(json: metadata), recordedAt: Timestamp(microseconds: recorded))
    }
}

extension Event {
    /// The WebSocket / NOTIFY type: `contact_created` … and `event_undone` for any UNDO.
    public var notificationType: String {
        eventType == .undo ? "event_undone" : aggregateType.rawValue + "_" + eventType.rawValue.lowercased()
    }

    /// The payload NOTIFY carries for this event (small: listeners fetch the event by position).
    public var notificationJSON: JSONValue {
        var writer = JSONTextWriter(capacity: 256)
        writeNotification(into: &writer)
        return (try? JSONValue(parsing: writer.text)) ?? .null
    }

    /// `notificationJSON`, written as text (the append path writes it into its statement's document).
    func writeNotification(into doc: inout JSONTextWriter) {
        doc.openObject()
        if let userID { doc.member("user_id", id: userID) } else { doc.member("user_id", "") }
        doc.key("position")
        doc.integer(position ?? 0)
        doc.member("type", notificationType)
        doc.member("event_type", fullTypeName)
        doc.member("event_id", id: id)
        doc.member("aggregate_id", id: aggregateID)
        doc.closeObject()
    }
}
