public import DebtCore

/// Builds valid events for tests with little ceremony; every argument has a sensible default.
public struct EventFactory: Sendable {
    public let user: Identifier
    public var clock: Int64 = 1_768_694_400_000_000  // 2026-01-18T00:00:00Z

    public init(user: Identifier = .random()) { self.user = user }

    public mutating func next() -> Timestamp {
        clock += 1_000_000
        return Timestamp(microseconds: clock)
    }

    public mutating func contactCreated(_ id: Identifier = .random(), name: String = "Ada", extra: [String: JSONValue] = [:]) -> Event {
        var data: [String: JSONValue] = ["name": .string(name)]
        data.merge(extra) { $1 }
        return make(.contact, id, .created, data, version: 1)
    }

    public mutating func contactUpdated(_ id: Identifier, version: Int64, _ data: [String: JSONValue]) -> Event {
        make(.contact, id, .updated, data, version: version)
    }

    public mutating func deleted(_ aggregate: AggregateType, _ id: Identifier, version: Int64) -> Event {
        make(aggregate, id, .deleted, [:], version: version)
    }

    public mutating func transactionCreated(
        _ id: Identifier = .random(), contact: Identifier, amount: Int64, direction: String = "lent",
        extra: [String: JSONValue] = [:]
    ) -> Event {
        var data: [String: JSONValue] = [
            "contact_id": .string(contact.description), "amount": .integer(amount), "direction": .string(direction),
        ]
        data.merge(extra) { $1 }
        return make(.transaction, id, .created, data, version: 1)
    }

    public mutating func transactionUpdated(
        _ id: Identifier, version: Int64, amount: Int64, direction: String = "lent", extra: [String: JSONValue] = [:]
    ) -> Event {
        var data: [String: JSONValue] = ["amount": .integer(amount), "direction": .string(direction)]
        data.merge(extra) { $1 }
        return make(.transaction, id, .updated, data, version: version)
    }

    public mutating func undo(_ target: Event, version: Int64) -> Event {
        make(target.aggregateType, target.aggregateID, .undo, ["undone_event_id": .string(target.id.description)], version: version)
    }

    public mutating func make(
        _ aggregate: AggregateType, _ id: Identifier, _ type: EventType, _ data: [String: JSONValue], version: Int64
    ) -> Event {
        Event(
            id: .random(), aggregateType: aggregate, aggregateID: id, eventType: type, data: data, timestamp: next(),
            version: version, userID: user, metadata: EventMetadata(actor: "test", source: "test"))
    }
}
