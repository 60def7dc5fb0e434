/// Replays one aggregate's stream, honouring UNDO.
///
/// An event is *live* unless a live UNDO names it; an UNDO is never itself applied. Because an UNDO
/// always names an earlier event, liveness is decided from the newest event back: undoing an UNDO
/// makes its target live again (redo). The state is the fold of the live non-UNDO events in version
/// order, starting from the live CREATED; the version is that of the stream's last event.
///
/// `E`: `Event` for one stream read by the append path, undo and the API; `LoggedEvent` in a replay of
/// the whole log. Both go through the same reducers.
public struct StreamReplay<E: ReplayableEvent>: Sendable {
    public private(set) var events: [E] = []
    /// Whether an event is an UNDO: most streams have none, and nothing to resolve (a replay of the log
    /// asks for every stream).
    private var hasUndo = false

    public init() {}

    public init(_ events: [E]) {
        self.events = events.sorted { $0.version < $1.version }
        hasUndo = events.contains { $0.eventType == .undo }
    }

    /// Takes `event` (consumed: a replay of the log hands over each event it read, not a copy).
    public mutating func apply(_ event: consuming E) {
        if event.eventType == .undo { hasUndo = true }
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
        guard hasUndo else { return undone }
        for e in events.reversed() where undone[e.id] == nil {
            // e is live: every event that could undo it is newer and already decided.
            if let target = e.undoneEventID, undone[target] == nil { undone[target] = e.id }
        }
        return undone
    }

    /// Whether `event` of this stream counts: not an UNDO, and not undone (`undone` is `undoneBy`).
    private static func isLive(_ event: E, _ undone: [Identifier: Identifier]) -> Bool {
        event.eventType != .undo && (undone.isEmpty || undone[event.id] == nil)
    }

    /// The live events, in version order, UNDO events left out.
    public var liveEvents: [E] {
        let undone = undoneBy
        return events.filter { Self.isLive($0, undone) }
    }

    /// The aggregate as its live events make it; nil when it has no live CREATED.
    public var state: AggregateState? {
        let undone = undoneBy
        // Each event is read in place (a replay of the log folds every stream; copied out of the
        // array, every event was retained and released once more).
        return events.withUnsafeBufferPointer { events in
            var state: AggregateState?
            for i in events.indices where Self.isLive(events[i], undone) {
                if events[i].eventType == .created {
                    state = AggregateState(creating: events[i])
                } else {
                    state?.apply(events[i])
                }
            }
            if let last = events.last { state?.setVersion(last.version) }
            return state
        }
    }

    /// The stream's version: that of its last event, 0 when empty.
    public var version: Int64 { events.last?.version ?? 0 }
}
