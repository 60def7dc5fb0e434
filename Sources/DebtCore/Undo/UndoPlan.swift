/// A contact whose balance an undo changes.
public struct BalanceChange: Sendable, Hashable {
    public let contactID: Identifier
    public let before: Int64
    public let after: Int64
    public var delta: Int64 { after - before }

    public init(contactID: Identifier, before: Int64, after: Int64) {
        self.contactID = contactID
        self.before = before
        self.after = after
    }
}

/// What undoing one event will do, before anything is written.
public struct UndoPlan: Sendable {
    /// The event being undone (an UNDO when this plan redoes).
    public let target: Event
    /// The UNDO to append; nil when the target is already undone (the undo is then a no-op).
    public let undoEvent: Event?
    /// The live UNDO that already undoes the target, when `undoEvent` is nil.
    public let alreadyUndoneBy: Identifier?
    public let before: AggregateState?
    public let after: AggregateState?
    public let balanceChanges: [BalanceChange]
    /// The change to the owner's total (balances of contacts that are not deleted).
    public let totalDelta: Int64

    /// True when this undo brings an undone event back (the target is itself an UNDO).
    public var isRedo: Bool { target.eventType == .undo }
}
