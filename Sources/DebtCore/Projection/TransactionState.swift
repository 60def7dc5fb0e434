/// The current state of one debt transaction, as its live events make it.
public struct TransactionState: Sendable, Hashable, AggregateReducer {
    /// `lent`: you gave; they owe you. `owed`: they gave; you owe them.
    public enum Direction: String, Sendable, Hashable, CaseIterable { case lent, owed }
    /// `money` counts toward balances; `item` (a lent book) is tracked but has no monetary value.
    public enum Kind: String, Sendable, Hashable, CaseIterable { case money, item }

    public let id: Identifier
    public var userID: Identifier?
    public var contactID: Identifier
    public var amount: Int64
    public var direction: Direction
    public var kind: Kind
    public var currency: String
    public var description: String?
    public var transactionDate: String?
    public var dueDate: String?
    public var comment: String?
    public var isDeleted: Bool
    public var version: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: Identifier, userID: Identifier? = nil, contactID: Identifier, amount: Int64, direction: Direction,
        kind: Kind = .money, currency: String = "USD", description: String? = nil, transactionDate: String? = nil,
        dueDate: String? = nil, comment: String? = nil, isDeleted: Bool = false, version: Int64,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.userID = userID
        self.contactID = contactID
        self.amount = amount
        self.direction = direction
        self.kind = kind
        self.currency = currency
        self.description = description
        self.transactionDate = transactionDate
        self.dueDate = dueDate
        self.comment = comment
        self.isDeleted = isDeleted
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The state a valid TRANSACTION_CREATED starts; nil for other events or unusable data (a
    /// contact_id that is not a UUID).
    public init?(creating event: some ReplayableEvent) {
        guard event.aggregateType == .transaction, event.eventType == .created else { return nil }
        self.init(
            id: event.aggregateID, userID: event.userID, contactID: Identifier(high: 0, low: 0), amount: 0, direction: .lent,
            version: event.version, createdAt: event.timestamp, updatedAt: event.timestamp)
        // The contact comes with the other fields, in the same pass (looked up first, it was hashed
        // and parsed twice for each of a replay's half a million transactions).
        guard take(event) else { return nil }
    }

    /// This transaction's effect on its contact's balance, in minor units:
    /// `+amount` when lent (they owe you), `-amount` when owed (you owe them), and 0 when the
    /// transaction is deleted or is an item rather than money. Currencies are not converted: a
    /// balance is the plain sum of its contact's contributions.
    public var contribution: Int64 {
        guard !isDeleted, kind == .money else { return 0 }
        return direction == .lent ? amount : -amount
    }

    /// One pass over the event's members: an event carries a few of these keys, and looking each key
    /// up hashed it nine times per event (a replay of the log does this for every event).
    mutating func apply(fields event: some ReplayableEvent) { _ = take(event) }

    /// `apply(fields:)`; true when the fields held a usable contact_id.
    private mutating func take(_ event: some ReplayableEvent) -> Bool {
        var contact = false
        event.forEachField { field, value in
            switch field {
            case .contactID:
                if let c = value.identifierValue {
                    contactID = c
                    contact = true
                }
            case .amount: if let a = value.integerValue { amount = a }
            case .direction: if let d = value.stringValue.flatMap({ Direction(rawValue: $0) }) { direction = d }
            case .type: if let k = value.stringValue.flatMap({ Kind(rawValue: $0) }) { kind = k }
            case .currency: if let c = value.stringValue { currency = c }
            case .description: description = value.stringValue
            case .transactionDate: transactionDate = value.stringValue
            case .dueDate: dueDate = value.stringValue
            case .comment: comment = value.stringValue
            case .name, .username, .phone, .email, .notes, .undoneEventID: break
            }
        }
        return contact
    }
}
