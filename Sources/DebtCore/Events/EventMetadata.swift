/// Who appended an event, why, from where, and in answer to what. Stored beside the event, never part
/// of the event's identity (the sync hash and idempotency ignore it).
public struct EventMetadata: Sendable, Hashable {
    /// The account that caused the append (`user:<name>`, `admin:<name>`, `debtctl:<os user>`).
    public var actor: String?
    /// The operator's reason, required for admin undo.
    public var reason: String?
    /// Where it came from: `sync`, `api`, `admin-api`, `debtctl`, `seed`, `restore`.
    public var source: String?
    /// The event this one answers (an UNDO's target), or the request that caused it.
    public var causationID: Identifier?

    public init(actor: String? = nil, reason: String? = nil, source: String? = nil, causationID: Identifier? = nil) {
        self.actor = actor
        self.reason = reason
        self.source = source
        self.causationID = causationID
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        if let actor { o["actor"] = .string(actor) }
        if let reason { o["reason"] = .string(reason) }
        if let source { o["source"] = .string(source) }
        if let causationID { o["causation_id"] = .string(causationID.description) }
        return .object(o)
    }

    public init(json: JSONValue) {
        actor = json["actor"]?.stringValue
        reason = json["reason"]?.stringValue
        source = json["source"]?.stringValue
        causationID = json["causation_id"]?.stringValue.flatMap { Identifier($0) }
    }
}
