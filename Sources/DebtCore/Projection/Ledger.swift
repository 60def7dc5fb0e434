/// The whole read model as a pure fold over the log: every aggregate's state, each contact's balance
/// and each user's total. The store keeps the same answers in tables, incrementally; this is the
/// reference those tables are checked against (tests, `debtctl projections verify`).
public struct Ledger: Sendable {
    public private(set) var streams: [StreamID: StreamReplay<Event>] = [:]

    public init() {}

    /// Applies events in log order (by position).
    public mutating func apply(_ event: Event) {
        streams[event.stream, default: StreamReplay()].apply(event)
    }

    public var contacts: [Identifier: ContactState] {
        var out: [Identifier: ContactState] = [:]
        for (id, replay) in streams where id.aggregateType == .contact {
            if case .contact(let c)? = replay.state { out[id.aggregateID] = c }
        }
        return out
    }

    public var transactions: [Identifier: TransactionState] {
        var out: [Identifier: TransactionState] = [:]
        for (id, replay) in streams where id.aggregateType == .transaction {
            if case .transaction(let t)? = replay.state { out[id.aggregateID] = t }
        }
        return out
    }

    /// Each contact's balance: the sum of `TransactionState.contribution` over the transactions that
    /// name it. Positive: they owe you. Contacts with no transactions have balance 0.
    public var balances: [Identifier: Int64] {
        var out: [Identifier: Int64] = [:]
        for id in contacts.keys { out[id] = 0 }
        for t in transactions.values where out[t.contactID] != nil { out[t.contactID, default: 0] += t.contribution }
        return out
    }

    /// Each user's total: the sum of the balances of their contacts that are not deleted.
    public var totals: [Identifier: Int64] {
        let b = balances
        var out: [Identifier: Int64] = [:]
        for c in contacts.values where !c.isDeleted {
            guard let user = c.userID else { continue }
            out[user, default: 0] += b[c.id] ?? 0
        }
        return out
    }
}
