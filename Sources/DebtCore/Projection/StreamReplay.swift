/// Replays one aggregate's stream, honouring UNDO.
///
/// An event is *live* unless a live UNDO names it; an UNDO is never itself applied. Because an UNDO
/// always names an earlier event, liveness is decided from the newest event back: undoing an UNDO
/// makes its target live again (redo). The state is the fold of the live non-UNDO events in version
/// order, starting from the live CREATED; the version is that of the stream's last event.
public struct StreamReplay: Sendable {
    public private(set) var events: [Event] = []

    public init() {}

    public init(_ events: [Event]) {
        self.events = events.sorted { $0.version < $1.version }
    }

    public mutating func apply(_ event: Event) {
        if let last = events.last, last.version > event.version {
            events.append(event)
            events.sort { $0.version < $1.version }
        } else {
            events.append(event)
        }
    }

    /// For each undone event, the live UNDO that undoes it.
    public var undoneBy: [Identifier: Identifier] {
        var undone: [Identifier: Identifier] = [:]
        // Most streams have no UNDO: nothing to look up (a replay of the log asks for every stream).
        guard events.contains(where: { $0.eventType == .undo }) else { return undone }
        for e in events.reversed() where undone[e.id] == nil {
            // e is live: every event that could undo it is newer and already decided.
            if let target = e.undoneEventID, undone[target] == nil { undone[target] = e.id }
        }
        return undone
    }

    /// The live events, in version order, UNDO events left out.
    public var liveEvents: [Event] { Array(live) }

    /// `liveEvents` without building their array (a replay of the log folds every stream).
    private var live: LazyFilterSequence<[Event]> {
        let undone = undoneBy
        return events.lazy.filter { $0.eventType != .undo && (undone.isEmpty || undone[$0.id] == nil) }
    }

    /// The aggregate as its live events make it; nil when it has no live CREATED.
    public var state: AggregateState? {
        var state: AggregateState?
        for e in live {
            if e.eventType == .created {
                state = AggregateState(creating: e)
            } else {
                state?.apply(e)
            }
        }
        if let last = events.last { state?.setVersion(last.version) }
        return state
    }

    /// The stream's version: that of its last event, 0 when empty.
    public var version: Int64 { events.last?.version ?? 0 }
}
