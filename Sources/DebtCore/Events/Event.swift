/// One immutable fact in the log: the contract's envelope plus what the store adds.
///
/// The contract fields (`id`, `aggregate_type`, `aggregate_id`, `event_type`, `event_data`, `timestamp`,
/// `version`) are what clients send and what the sync hash digests. The store adds the global
/// `position`, the owning `userID`, `metadata` and `recordedAt` (commit time).
public struct Event: Sendable, Hashable {
    public var id: Identifier
    public var aggregateType: AggregateType
    public var aggregateID: Identifier
    public var eventType: EventType
    public var data: [String: JSONValue]
    /// When the event happened on the device that made it.
    public var timestamp: Timestamp
    /// The event's version in its stream: 1 for CREATED, then one more per event (UNDO included).
    public var version: Int64

    public var position: Int64?
    public var userID: Identifier?
    public var metadata: EventMetadata
    public var recordedAt: Timestamp?

    public init(
        id: Identifier, aggregateType: AggregateType, aggregateID: Identifier, eventType: EventType,
        data: [String: JSONValue], timestamp: Timestamp, version: Int64, position: Int64? = nil,
        userID: Identifier? = nil, metadata: EventMetadata = EventMetadata(), recordedAt: Timestamp? = nil
    ) {
        self.id = id
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.eventType = eventType
        self.data = data
        self.timestamp = timestamp
        self.version = version
        self.position = position
        self.userID = userID
        self.metadata = metadata
        self.recordedAt = recordedAt
    }

    /// `CONTACT_CREATED`, `TRANSACTION_UNDO`…: the name shown to people.
    public var fullTypeName: String { aggregateType.rawValue.uppercased() + "_" + eventType.rawValue }

    /// For an UNDO, the event it undoes.
    public var undoneEventID: Identifier? {
        guard eventType == .undo else { return nil }
        return data["undone_event_id"]?.stringValue.flatMap { Identifier($0) }
    }

    /// The contract's seven fields, exactly; the identity of the event for idempotency and the hash.
    public var contractJSON: JSONValue {
        .object([
            "id": .string(id.description),
            "aggregate_type": .string(aggregateType.rawValue),
            "aggregate_id": .string(aggregateID.description),
            "event_type": .string(eventType.rawValue),
            "event_data": .object(data),
            "timestamp": .string(timestamp.description),
            "version": .integer(version),
        ])
    }

    /// The contract fields plus `position` (the sync cursor extension) when the store assigned one.
    public var syncJSON: JSONValue {
        guard case .object(var o) = contractJSON else { return contractJSON }
        if let position { o["position"] = .integer(position) }
        return .object(o)
    }

    /// SHA-256 of `contractJSON.canonicalText`: the event's digest in the sync hash, and what decides
    /// whether a re-sent id carries "the same data".
    public var digest: [UInt8] {
        var text: [UInt8] = []
        writeCanonicalContract(into: &text)
        return SHA256.hash(text)
    }

    /// Writes `contractJSON.canonicalText` without building the object: its seven keys in their sorted
    /// order (by UTF-8 bytes), `event_data` sorted as `canonicalText` sorts it. A sync push digests every
    /// event it receives, and building and sorting the envelope's dictionary was most of that work.
    func writeCanonicalContract(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 192)
        out.append(contentsOf: #"{"aggregate_id":""#.utf8)
        aggregateID.write(into: &out)
        out.append(contentsOf: #"","aggregate_type":"#.utf8)
        JSONValue.writeString(aggregateType.rawValue, into: &out)
        out.append(contentsOf: #","event_data":"#.utf8)
        JSONValue.object(data).writeCanonical(into: &out)
        out.append(contentsOf: #","event_type":"#.utf8)
        JSONValue.writeString(eventType.rawValue, into: &out)
        out.append(contentsOf: #","id":""#.utf8)
        id.write(into: &out)
        out.append(contentsOf: #"","timestamp":"#.utf8)
        JSONValue.writeString(timestamp.description, into: &out)
        out.append(contentsOf: #","version":"#.utf8)
        out.append(contentsOf: String(version).utf8)
        out.append(UInt8(ascii: "}"))
    }
}
