/// What contact and transaction states share: how UPDATED and DELETED change them.
protocol AggregateReducer {
    var version: Int64 { get set }
    var isDeleted: Bool { get set }
    var updatedAt: Timestamp { get set }
    /// Takes the fields an UPDATED (or CREATED) event carries.
    mutating func apply(fields event: some ReplayableEvent)
}

extension AggregateReducer {
    /// Applies UPDATED or DELETED. CREATED starts a state (`init(creating:)`) and UNDO is resolved by
    /// `StreamReplay`, so neither is applied here.
    public mutating func apply(_ event: some ReplayableEvent) {
        version = max(version, event.version)
        switch event.eventType {
        case .updated:
            apply(fields: event)
            updatedAt = event.timestamp
        case .deleted:
            isDeleted = true
            updatedAt = event.timestamp
        case .created, .undo:
            break
        }
    }
}
