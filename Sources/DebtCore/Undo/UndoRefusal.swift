/// Why an undo cannot be carried out. Each case reads as a sentence for the operator.
public enum UndoRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case targetNotFound(Identifier)
    case notInStream(target: Identifier, stream: StreamID)
    /// Undoing would remove or delete a contact that live transactions still name.
    case contactHasLiveTransactions(contact: Identifier, count: Int)
    /// Undoing would bring back or move a transaction onto a contact that does not exist or is deleted.
    case contactNotLive(transaction: Identifier, contact: Identifier)
    /// A client may undo only its own recent events.
    case outsideUndoWindow(target: Identifier, seconds: Int64)
    case notOwner(target: Identifier)

    public var description: String {
        switch self {
        case .targetNotFound(let id): return "event \(id) does not exist"
        case .notInStream(let t, let s): return "event \(t) is not part of stream \(s)"
        case .contactHasLiveTransactions(let c, let n):
            return "contact \(c) still has \(n) live transaction\(n == 1 ? "" : "s"); undo or delete \(n == 1 ? "it" : "them") first"
        case .contactNotLive(let t, let c):
            return "transaction \(t) would point at contact \(c), which does not exist or is deleted; restore the contact first"
        case .outsideUndoWindow(let t, let s): return "event \(t) is older than the \(s)-second undo window"
        case .notOwner(let t): return "event \(t) belongs to another user"
        }
    }
}
