/// Reading events back from SQL rows whose columns are `EventRow.columns`.
public enum EventRow {
    /// The select list every event query uses, in this order. Its columns keep their names but are
    /// text, so ORDER BY must qualify them (`events.position`) to sort numerically.
    public static let columns = selectList(metadata: "metadata::text", recordedAt: SQLText.micros("recorded_at"))

    /// `columns` for a replay of the whole log: an empty object for the metadata (who, why, source) and
    /// the epoch for the time of recording, which no reducer reads, so that it neither computes,
    /// transfers nor parses them (the time of recording alone cost 0.8 s of reading 1,000,000 events).
    public static let replayColumns = selectList(metadata: "'{}'", recordedAt: "'0'")

    /// `replayColumns` for a session that reads results in binary (`SQLSession.replayEvents`): the
    /// columns as they are stored, so that PostgreSQL formats none of them as text; their types are
    /// `binaryReplayTypes`. The event's data stays jsonb, whose binary form is a version byte and the
    /// text: written `event_data::text`, the cast ran in the scan, below the rebuild's sort, and the
    /// first page of 850,000 sorted events waited 0.93 s for it instead of 0.64 s (the conversion now
    /// runs as the rows go out, while the client is replaying the pages before).
    public static let binaryReplayColumns =
        "events.position, events.event_id, events.user_id, events.aggregate_type, events.aggregate_id, events.event_type, events.version, events.event_data, events.occurred_at"

    /// The type OIDs of `binaryReplayColumns`: bigint, uuid, uuid, text, uuid, text, bigint, jsonb, timestamptz.
    public static let binaryReplayTypes: [UInt32] = [20, 2950, 2950, 25, 2950, 25, 20, 3802, 1184]

    /// Decodes a row of `binaryReplayColumns` in PostgreSQL's binary format; `cell(i)` is column i's
    /// bytes, nil for NULL. The same event as `decode` makes of the row of `replayColumns`, as a replay
    /// keeps it (`LoggedEvent`).
    public static func decodeBinary(_ cell: (Int) -> UnsafeRawBufferPointer?) throws -> LoggedEvent {
        func bytes(_ i: Int, count: Int? = nil) throws -> UnsafeRawBufferPointer {
            guard let b = cell(i) else { throw StoreError.corrupt("event column \(i) is NULL") }
            guard count.map({ b.count == $0 }) ?? true else { throw StoreError.corrupt("event column \(i) has \(b.count) bytes") }
            return b
        }
        func int64(_ i: Int) throws -> Int64 { Int64(bigEndian: try bytes(i, count: 8).loadUnaligned(as: Int64.self)) }
        func uuid(_ i: Int) throws -> Identifier {
            let b = try bytes(i, count: 16)
            return Identifier(
                high: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                low: UInt64(bigEndian: b.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        let position = try int64(0)
        // A timestamptz is microseconds since 2000-01-01 (±infinity are the extremes, out of range here).
        let (occurred, overflow) = try int64(8).addingReportingOverflow(CopyBinary.postgresEpoch)
        // The two names compared as bytes: a `String` of each per event was a few percent of a replay,
        // and comparing with each case's `rawValue` (a generic walk over its UTF-8) about 3%.
        func named<T>(_ i: Int, _ names: ByteNames<T>) throws -> T? {
            let raw = try bytes(i)
            return names.value(named: UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
        }
        guard let aggregate = try named(3, aggregateNames), let type = try named(5, eventTypeNames), !overflow else {
            throw StoreError.corrupt("event at position \(position)")
        }
        // jsonb's binary format: version 1, then the document as text, parsed where it lies.
        let json = try bytes(7)
        guard json.first == 1, let base = json.baseAddress else {
            throw StoreError.corrupt("event at position \(position): jsonb format version \(json.first.map(String.init) ?? "missing")")
        }
        let data = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + 1, count: json.count - 1)
        do {
            return try LoggedEvent(
                id: try uuid(1), aggregateType: aggregate, aggregateID: try uuid(4), eventType: type,
                timestamp: Timestamp(microseconds: occurred), version: try int64(6), position: position, userID: try uuid(2), data: data)
        } catch let error as JSONParseError {
            throw StoreError.corrupt("event at position \(position): \(error)")
        }
    }

    private static let aggregateNames = ByteNames(AggregateType.allCases.map { ($0.rawValue, $0) })
    private static let eventTypeNames = ByteNames(EventType.allCases.map { ($0.rawValue, $0) })

    static func selectList(metadata: String, recordedAt: String) -> String {
        """
        position::text, event_id::text, user_id::text, aggregate_type, aggregate_id::text, event_type, \
        version::text, event_data::text, \(metadata), \(SQLText.micros("occurred_at")), \(recordedAt)
        """
    }

    /// Where `EventQuery.withUsername` puts the owner's account name.
    public static let usernameColumn = 11

    public static func decode(_ row: [String?]) throws -> Event {
        let e = try Envelope(row)
        let data: JSONValue
        let metadata: JSONValue
        do {
            data = try JSONValue(parsing: try e.column(7))
            metadata = try JSONValue(parsing: try e.column(8))
        } catch {
            throw StoreError.corrupt("event at position \(e.position): \(error)")
        }
        return Event(
            id: e.id, aggregateType: e.aggregateType, aggregateID: e.aggregateID, eventType: e.eventType, data: data.objectValue ?? [:],
            timestamp: e.timestamp, version: e.version, position: e.position, userID: e.userID,
            metadata: EventMetadata(json: metadata), recordedAt: e.recordedAt)
    }

    /// A row of `replayColumns` (text) as a replay keeps it: the data parsed once, straight into the
    /// `LoggedEvent` (not into an `Event`'s dictionary first); the metadata and time of recording,
    /// which a replay does not keep, are not parsed.
    public static func decodeReplay(_ row: [String?]) throws -> LoggedEvent {
        let e = try Envelope(row)
        var data = try e.column(7)
        do {
            return try data.withUTF8 { (text) throws(JSONParseError) in
                try LoggedEvent(
                    id: e.id, aggregateType: e.aggregateType, aggregateID: e.aggregateID, eventType: e.eventType,
                    timestamp: e.timestamp, version: e.version, position: e.position, userID: e.userID, data: text)
            }
        } catch {
            throw StoreError.corrupt("event at position \(e.position): \(error)")
        }
    }

    /// The columns of an event row that are not JSON, parsed from their text.
    private struct Envelope {
        let row: [String?]
        let position: Int64
        let id: Identifier
        let userID: Identifier
        let aggregateType: AggregateType
        let aggregateID: Identifier
        let eventType: EventType
        let version: Int64
        let timestamp: Timestamp
        let recordedAt: Timestamp

        init(_ row: [String?]) throws {
            self.row = row
            let position = try Self.column(row, 0)
            guard let pos = Int64(position), let id = Identifier(try Self.column(row, 1)), let user = Identifier(try Self.column(row, 2)),
                let aggregate = AggregateType(rawValue: try Self.column(row, 3)), let aggregateID = Identifier(try Self.column(row, 4)),
                let type = EventType(rawValue: try Self.column(row, 5)), let version = Int64(try Self.column(row, 6)),
                let occurred = Int64(try Self.column(row, 9)), let recorded = Int64(try Self.column(row, 10))
            else { throw StoreError.corrupt("event at position \(position)") }
            (self.position, self.id, userID, aggregateType, self.aggregateID, eventType, self.version) = (pos, id, user, aggregate, aggregateID, type, version)
            timestamp = Timestamp(microseconds: occurred)
            recordedAt = Timestamp(microseconds: recorded)
        }

        func column(_ i: Int) throws -> String { try Self.column(row, i) }

        static func column(_ row: [String?], _ i: Int) throws -> String {
            guard i < row.count, let v = row[i] else { throw StoreError.corrupt("event column \(i) is NULL") }
            return v
        }
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
