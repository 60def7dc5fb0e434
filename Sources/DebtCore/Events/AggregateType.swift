/// The two kinds of aggregate the log holds; each has its own stream per id (`contact-<id>`).
public enum AggregateType: String, Sendable, Hashable, CaseIterable {
    case contact
    case transaction
}

/// What an event does to its aggregate.
public enum EventType: String, Sendable, Hashable, CaseIterable {
    case created = "CREATED"
    case updated = "UPDATED"
    case deleted = "DELETED"
    case undo = "UNDO"

    /// Accepts the short form (`CREATED`) and the full name (`CONTACT_CREATED`) if it names
    /// `aggregate` (or any aggregate when `aggregate` is nil). Returns the type and the aggregate the
    /// full name named, if any.
    public static func parse(_ text: String, aggregate: AggregateType? = nil) -> (EventType, AggregateType?)? {
        if let t = EventType(rawValue: text) { return (t, nil) }
        for a in AggregateType.allCases where aggregate == nil || aggregate == a {
            let prefix = a.rawValue.uppercased() + "_"
            if text.hasPrefix(prefix), let t = EventType(rawValue: String(text.dropFirst(prefix.count))) {
                return (t, a)
            }
        }
        return nil
    }

    /// Every full name (`CONTACT_CREATED` …), as shown to people and accepted by filters.
    public static var fullNames: [String] {
        AggregateType.allCases.flatMap { a in allCases.map { a.rawValue.uppercased() + "_" + $0.rawValue } }
    }
}

/// Identifies one aggregate's stream: `contact-<uuid>` or `transaction-<uuid>`.
public struct StreamID: Sendable, Hashable, CustomStringConvertible {
    public let aggregateType: AggregateType
    public let aggregateID: Identifier

    public init(_ aggregateType: AggregateType, _ aggregateID: Identifier) {
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
    }

    public init?(_ text: String) {
        for a in AggregateType.allCases where text.hasPrefix(a.rawValue + "-") {
            guard let id = Identifier(text.dropFirst(a.rawValue.count + 1)) else { return nil }
            self.init(a, id)
            return
        }
        return nil
    }

    public var description: String { "\(aggregateType.rawValue)-\(aggregateID)" }
}
