/// What became of one event handed to the append path.
public enum AppendOutcome: Sendable, Hashable, CustomStringConvertible {
    /// Written at this position.
    case appended(position: Int64)
    /// Already in the log with the same data (an idempotent re-send); nothing written.
    case duplicate(position: Int64)
    /// Refused because of the log's current state: a stale version, an id reused with other data, an
    /// aggregate that does not exist or belongs to someone else, an undo the rules refuse.
    case conflict(AppendConflict)
    /// Refused because the event itself breaks a rule.
    case invalid(ValidationError)

    /// Accepted by the sync contract's meaning: appended now or before.
    public var isAccepted: Bool {
        switch self {
        case .appended, .duplicate: return true
        case .conflict, .invalid: return false
        }
    }

    public var position: Int64? {
        switch self {
        case .appended(let p), .duplicate(let p): return p
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .appended(let p): return "appended at position \(p)"
        case .duplicate(let p): return "already stored at position \(p)"
        case .conflict(let c): return c.message
        case .invalid(let e): return e.description
        }
    }
}

/// Why the log's state refused an event: the kind decides the HTTP status, the message is for people.
public struct AppendConflict: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The event's version is not the stream's next.
        case version
        /// The event id is already used by an event with other data.
        case idReused
        /// The aggregate does not exist.
        case notFound
        /// The aggregate belongs to another user (callers should answer as for `notFound`: no leak).
        case otherUser
        /// The contact a transaction names does not exist, is deleted, or is another user's.
        case contactUnavailable
        /// The aggregate is deleted.
        case deleted
        /// The undo rules refuse it (window, already undone, would orphan data).
        case undoRefused
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// How a writer's events are checked beyond the rules every event obeys.
public struct AppendOptions: Sendable {
    /// When set, an UNDO may only name an event recorded at most this many seconds ago (clients get
    /// 5 s, as in the original app; admins and `debtctl` have no window).
    public var undoWindowSeconds: Int64?

    public init(undoWindowSeconds: Int64? = nil) { self.undoWindowSeconds = undoWindowSeconds }

    /// What the sync and REST routes apply to a user's own writes.
    public static let client = AppendOptions(undoWindowSeconds: 5)
    /// Operators (admin API, `debtctl`).
    public static let admin = AppendOptions()
}
