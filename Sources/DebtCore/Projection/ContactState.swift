/// The current state of one contact, as its live events make it.
public struct ContactState: Sendable, Hashable, AggregateReducer {
    public let id: Identifier
    public var userID: Identifier?
    public var name: String
    public var username: String?
    public var phone: String?
    public var email: String?
    public var notes: String?
    public var comment: String?
    public var isDeleted: Bool
    /// The stream's version: that of its last event, UNDO events included.
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Identifier, userID: Identifier? = nil, name: String, username: String? = nil, phone: String? = nil,
        email: String? = nil, notes: String? = nil, comment: String? = nil, isDeleted: Bool = false,
        version: Int64, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.userID = userID
        self.name = name
        self.username = username
        self.phone = phone
        self.email = email
        self.notes = notes
        self.comment = comment
        self.isDeleted = isDeleted
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The state a CREATED event starts; nil for any other event (an aggregate starts only by CREATED).
    public init?(creating event: some ReplayableEvent) {
        guard event.aggregateType == .contact, event.eventType == .created else { return nil }
        // The name (empty unless a string) comes with the other fields, in one pass.
        self.init(id: event.aggregateID, userID: event.userID, name: "", version: event.version, createdAt: event.timestamp, updatedAt: event.timestamp)
        apply(fields: event)
    }

    /// One pass over the event's members (see `TransactionState.apply(fields:)`).
    mutating func apply(fields event: some ReplayableEvent) {
        event.forEachField { field, value in
            switch field {
            case .name: if let n = value.stringValue { name = n }
            case .username: username = value.stringValue
            case .phone: phone = value.stringValue
            case .email: email = value.stringValue
            case .notes: notes = value.stringValue
            case .comment: comment = value.stringValue
            case .contactID, .amount, .direction, .type, .currency, .description, .transactionDate, .dueDate, .undoneEventID: break
            }
        }
    }
}
