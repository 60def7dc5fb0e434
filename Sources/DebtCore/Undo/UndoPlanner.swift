/// Decides what undoing an event means, from the history of the target's stream and a few facts about
/// the rest of the ledger. Pure: the store gathers the facts and appends the result.
public struct UndoPlanner: Sendable {
    /// Facts from outside the target's stream that the guards need.
    public struct Context: Sendable {
        /// Current balance of each contact the plan may touch.
        public var balances: [Identifier: Int64]
        /// Contacts that exist and are not deleted.
        public var liveContacts: Set<Identifier>
        /// For a contact stream: how many live (not deleted) transactions name the contact.
        public var liveTransactionCount: Int

        public init(balances: [Identifier: Int64] = [:], liveContacts: Set<Identifier> = [], liveTransactionCount: Int = 0) {
            self.balances = balances
            self.liveContacts = liveContacts
            self.liveTransactionCount = liveTransactionCount
        }
    }

    /// The target's stream, every event, in version order.
    public let history: StreamReplay<Event>

    public init(history: StreamReplay<Event>) { self.history = history }

    /// Contacts whose balance or liveness the plan may need: those any event of the stream names.
    public var referencedContacts: Set<Identifier> {
        var out = Set<Identifier>()
        for e in history.events {
            if e.aggregateType == .contact { out.insert(e.aggregateID) }
            if let c = e.data["contact_id"]?.stringValue.flatMap({ Identifier($0) }) { out.insert(c) }
        }
        return out
    }

    /// Plans the undo of `target`. The UNDO event gets `undoID`, `now` and the next version.
    public func plan(
        target: Identifier, undoID: Identifier, now: Timestamp, metadata: EventMetadata, context: Context
    ) throws(UndoRefusal) -> UndoPlan {
        guard let targetEvent = history.events.first(where: { $0.id == target }) else {
            throw .targetNotFound(target)
        }
        let before = history.state
        if let by = history.undoneBy[target] {
            return UndoPlan(
                target: targetEvent, undoEvent: nil, alreadyUndoneBy: by, before: before, after: before,
                balanceChanges: [], totalDelta: 0)
        }
        var undo = Event(
            id: undoID, aggregateType: targetEvent.aggregateType, aggregateID: targetEvent.aggregateID,
            eventType: .undo, data: ["undone_event_id": .string(target.description)], timestamp: now,
            version: history.version + 1, userID: targetEvent.userID, metadata: metadata)
        undo.metadata.causationID = target
        if let reason = metadata.reason { undo.data["reason"] = .string(reason) }
        var replay = history
        replay.apply(undo)
        let after = replay.state
        try checkGuards(before: before, after: after, target: targetEvent, context: context)
        let (changes, totalDelta) = balanceEffect(before: before, after: after, context: context)
        return UndoPlan(
            target: targetEvent, undoEvent: undo, alreadyUndoneBy: nil, before: before, after: after,
            balanceChanges: changes, totalDelta: totalDelta)
    }

    private func checkGuards(before: AggregateState?, after: AggregateState?, target: Event, context: Context)
        throws(UndoRefusal)
    {
        switch (before, after) {
        case (.contact(let b)?, let a) where !b.isDeleted && (a == nil || a?.isDeleted == true):
            if context.liveTransactionCount > 0 {
                throw .contactHasLiveTransactions(contact: b.id, count: context.liveTransactionCount)
            }
        case (let b, .transaction(let a)?) where !a.isDeleted:
            var wasLiveOnSameContact = false
            if case .transaction(let bt)? = b, !bt.isDeleted, bt.contactID == a.contactID { wasLiveOnSameContact = true }
            if !wasLiveOnSameContact, !context.liveContacts.contains(a.contactID) {
                throw .contactNotLive(transaction: a.id, contact: a.contactID)
            }
        default:
            break
        }
    }

    private func balanceEffect(before: AggregateState?, after: AggregateState?, context: Context)
        -> ([BalanceChange], Int64)
    {
        switch (before, after) {
        case (.transaction, _), (_, .transaction):
            var delta: [Identifier: Int64] = [:]
            if case .transaction(let t)? = before { delta[t.contactID, default: 0] -= t.contribution }
            if case .transaction(let t)? = after { delta[t.contactID, default: 0] += t.contribution }
            var changes: [BalanceChange] = []
            var total: Int64 = 0
            for (contact, d) in delta.sorted(by: { $0.key < $1.key }) where d != 0 {
                let current = context.balances[contact] ?? 0
                changes.append(BalanceChange(contactID: contact, before: current, after: current + d))
                if context.liveContacts.contains(contact) { total += d }
            }
            return (changes, total)
        default:
            // A contact's own events never change its balance, only whether it counts in the total.
            let id: Identifier?
            if case .contact(let c)? = before { id = c.id } else if case .contact(let c)? = after { id = c.id } else { id = nil }
            guard let id else { return ([], 0) }
            let counted = { (s: AggregateState?) in s != nil && s?.isDeleted == false }
            let balance = context.balances[id] ?? 0
            switch (counted(before), counted(after)) {
            case (true, false): return ([], -balance)
            case (false, true): return ([], balance)
            default: return ([], 0)
            }
        }
    }
}
