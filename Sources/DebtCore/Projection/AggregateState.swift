/// The state of one aggregate of either kind; nil-able as a whole when the aggregate does not exist
/// (never created, or its creation undone).
public enum AggregateState: Sendable, Hashable {
    case contact(ContactState)
    case transaction(TransactionState)

    public var isDeleted: Bool {
        switch self {
        case .contact(let c): return c.isDeleted
        case .transaction(let t): return t.isDeleted
        }
    }

    public var version: Int64 {
        switch self {
        case .contact(let c): return c.version
        case .transaction(let t): return t.version
        }
    }

    /// The state `event` (a CREATED) starts.
    public init?(creating event: some ReplayableEvent) {
        switch event.aggregateType {
        case .contact: guard let c = ContactState(creating: event) else { return nil }; self = .contact(c)
        case .transaction: guard let t = TransactionState(creating: event) else { return nil }; self = .transaction(t)
        }
    }

    public mutating func apply(_ event: some ReplayableEvent) {
        switch self {
        case .contact(var c): c.apply(event); self = .contact(c)
        case .transaction(var t): t.apply(event); self = .transaction(t)
        }
    }

    /// Sets the stream version (that of the stream's last event, live or not).
    mutating func setVersion(_ v: Int64) {
        switch self {
        case .contact(var c): c.version = v; self = .contact(c)
        case .transaction(var t): t.version = v; self = .transaction(t)
        }
    }
}
