/// Facts about one contact that appends of other aggregates depend on.
public struct ContactFacts: Sendable, Hashable {
    public var userID: Identifier
    /// Exists and is not deleted.
    public var isLive: Bool
    public var balance: Int64
    /// Transactions naming this contact that exist and are not deleted.
    public var liveTransactions: Int

    public init(userID: Identifier, isLive: Bool, balance: Int64, liveTransactions: Int) {
        self.userID = userID
        self.isLive = isLive
        self.balance = balance
        self.liveTransactions = liveTransactions
    }
}

/// What the store read under the append lock, for the planner to decide on.
public struct AppendSnapshot: Sendable {
    /// The highest position in the log.
    public var headPosition: Int64
    /// Events of the batch's ids that are already stored: their digest and position.
    public var existing: [Identifier: (digest: [UInt8], position: Int64)]
    /// The full history of every stream the batch touches (empty for a new stream).
    public var histories: [StreamID: StreamReplay<Event>]
    /// Every contact the batch's events or histories name.
    public var contacts: [Identifier: ContactFacts]
    /// Current sync hash of every user the batch's events belong to.
    public var syncHashes: [Identifier: SyncHash]
    /// The transaction's time: recorded time of the new events, and "now" for undo windows.
    public var now: Timestamp

    public init(
        headPosition: Int64, existing: [Identifier: (digest: [UInt8], position: Int64)] = [:],
        histories: [StreamID: StreamReplay<Event>] = [:], contacts: [Identifier: ContactFacts] = [:],
        syncHashes: [Identifier: SyncHash] = [:], now: Timestamp
    ) {
        self.headPosition = headPosition
        self.existing = existing
        self.histories = histories
        self.contacts = contacts
        self.syncHashes = syncHashes
        self.now = now
    }
}

/// The writes one batch needs, decided purely from the batch and the snapshot.
public struct AppendPlan: Sendable {
    public var outcomes: [AppendOutcome] = []
    /// New events in position order, positions and recorded times assigned.
    public var appended: [Event] = []
    /// The digest of each appended event, in the same order (computed once, by the planner).
    public var digests: [[UInt8]] = []
    /// The final state of every stream an appended event touched; nil removes the projection row.
    public var states: [StreamID: AggregateState?] = [:]
    /// Contacts whose balance must be recomputed from their transactions.
    public var balanceContacts: Set<Identifier> = []
    /// New sync hash of every user that got events.
    public var syncHashes: [Identifier: SyncHash] = [:]
    public var headPosition: Int64 = 0
}

/// The rules of the one append path, as a pure function of a batch and a snapshot.
///
/// Events are decided in batch order and each sees the effect of the accepted ones before it, so a
/// batch may create a contact and then its transactions. Every event is checked for: a re-sent id
/// (same digest: duplicate; other data: conflict), validity, ownership of its stream, the expected
/// version (its version must be the stream's plus one), the state it needs (UPDATED/DELETED need a
/// live aggregate, a transaction needs a live contact of the same user), and for UNDO the undo rules.
public struct AppendPlanner: Sendable {
    public let options: AppendOptions

    public init(options: AppendOptions) { self.options = options }

    /// `digests`, when given, are the batch's events' digests in order (computed ahead of time).
    public func plan(_ batch: [Event], snapshot: AppendSnapshot, digests: [[UInt8]]? = nil) -> AppendPlan {
        var plan = AppendPlan()
        var s = snapshot
        var seen: [Identifier: (digest: [UInt8], position: Int64)] = [:]
        var position = s.headPosition
        for (index, var event) in batch.enumerated() {
            let digest = digests?[index] ?? event.digest
            if let prior = s.existing[event.id] ?? seen[event.id] {
                plan.outcomes.append(
                    prior.digest == digest
                        ? .duplicate(position: prior.position)
                        : .conflict(.init(.idReused, "event id \(event.id) is already used by another event")))
                continue
            }
            do throws(ValidationError) {
                try EventValidator.validate(event)
            } catch {
                plan.outcomes.append(.invalid(error))
                continue
            }
            guard let user = event.userID else {
                plan.outcomes.append(.invalid(ValidationError("user_id", "is required to append")))
                continue
            }
            let replay = s.histories[event.stream] ?? StreamReplay()
            if let owner = replay.events.first?.userID, owner != user {
                plan.outcomes.append(.conflict(.init(.otherUser, "stream \(event.stream) belongs to another user")))
                continue
            }
            if replay.events.isEmpty, event.eventType != .created {
                plan.outcomes.append(.conflict(.init(.notFound, "\(event.stream) does not exist")))
                continue
            }
            if event.version != replay.version + 1 {
                plan.outcomes.append(
                    .conflict(.init(
                        .version, "version conflict on \(event.stream): it is at version \(replay.version), the event expects \(event.version - 1)"
                    )))
                continue
            }
            let oldState = replay.state
            if let refusal = check(event, replay: replay, state: oldState, snapshot: s) {
                plan.outcomes.append(.conflict(refusal))
                continue
            }
            position += 1
            event.position = position
            event.recordedAt = s.now
            var after = replay
            after.apply(event)
            let newState = after.state
            s.histories[event.stream] = after
            record(old: oldState, new: newState, of: event, in: &s, plan: &plan)
            var hash = s.syncHashes[user] ?? SyncHash()
            hash.add(digest: digest)
            s.syncHashes[user] = hash
            plan.syncHashes[user] = hash
            seen[event.id] = (digest, position)
            plan.appended.append(event)
            plan.digests.append(digest)
            plan.states[event.stream] = .some(newState)
            plan.outcomes.append(.appended(position: position))
        }
        plan.headPosition = position
        return plan
    }

    /// Why `event` cannot follow `replay` in the current state, or nil.
    private func check(_ event: Event, replay: StreamReplay<Event>, state: AggregateState?, snapshot s: AppendSnapshot) -> AppendConflict? {
        switch event.eventType {
        case .created:
            break
        case .updated, .deleted:
            guard let state else { return .init(.notFound, "\(event.stream) does not exist") }
            if state.isDeleted { return .init(.deleted, "\(event.stream) is deleted") }
        case .undo:
            guard let target = event.undoneEventID else { return .init(.undoRefused, "UNDO names no event") }
            guard let targetEvent = replay.events.first(where: { $0.id == target }) else {
                return .init(.undoRefused, "event \(target) is not part of \(event.stream)")
            }
            if let window = options.undoWindowSeconds, let recorded = targetEvent.recordedAt,
                s.now.microseconds - recorded.microseconds > window * 1_000_000
            {
                return .init(.undoRefused, UndoRefusal.outsideUndoWindow(target: target, seconds: window).description)
            }
            if let by = replay.undoneBy[target] { return .init(.undoRefused, "event \(target) is already undone by \(by)") }
            let planner = UndoPlanner(history: replay)
            var context = UndoPlanner.Context()
            for c in planner.referencedContacts {
                guard let f = s.contacts[c] else { continue }
                context.balances[c] = f.balance
                if f.isLive { context.liveContacts.insert(c) }
                if c == event.aggregateID { context.liveTransactionCount = f.liveTransactions }
            }
            do throws(UndoRefusal) {
                _ = try planner.plan(
                    target: target, undoID: event.id, now: event.timestamp, metadata: event.metadata, context: context)
            } catch {
                return .init(.undoRefused, error.description)
            }
        }
        if event.aggregateType == .transaction, event.eventType == .created || event.eventType == .updated,
            let contact = event.data["contact_id"]?.stringValue.flatMap({ Identifier($0) })
        {
            guard let facts = s.contacts[contact], facts.userID == event.userID, facts.isLive else {
                return .init(.contactUnavailable, "contact \(contact) does not exist or is deleted")
            }
        }
        return nil
    }

    /// Carries an accepted event's effect into the contact facts later events of the batch see.
    private func record(
        old: AggregateState?, new: AggregateState?, of event: Event, in s: inout AppendSnapshot, plan: inout AppendPlan
    ) {
        switch event.aggregateType {
        case .contact:
            let id = event.aggregateID
            var facts = s.contacts[id] ?? ContactFacts(userID: event.userID ?? id, isLive: false, balance: 0, liveTransactions: 0)
            facts.isLive = new.map { !$0.isDeleted } ?? false
            s.contacts[id] = facts
            // A contact that comes back (an undone deletion or creation) may have transactions: its
            // balance is recomputed. A new one (its first event) has none and keeps the row's 0.
            if old == nil, new != nil, !(event.eventType == .created && event.version == 1) { plan.balanceContacts.insert(id) }
        case .transaction:
            if case .transaction(let t)? = old {
                plan.balanceContacts.insert(t.contactID)
                if !t.isDeleted { s.contacts[t.contactID]?.liveTransactions -= 1 }
                s.contacts[t.contactID]?.balance -= t.contribution
            }
            if case .transaction(let t)? = new {
                plan.balanceContacts.insert(t.contactID)
                if !t.isDeleted { s.contacts[t.contactID]?.liveTransactions += 1 }
                s.contacts[t.contactID]?.balance += t.contribution
            }
        }
    }
}
