import Synchronization

/// What a `Sweeper` holds: due when `isDue` says so (it may note what it saw), then fired once.
protocol SweptEntry: Sendable {
    mutating func isDue(at now: ContinuousClock.Instant) -> Bool
    func fire()
}

/// Entries looked at together by one task, every `interval` while any is registered and not at all
/// while none is; an entry that is due is removed and fired. Registering costs a lock and a
/// dictionary insert where a timer per entry would cost a task and a timer armed and disarmed in the
/// runtime, on every request (seen in the server's profile under load).
final class Sweeper<Entry: SweptEntry>: Sendable {
    struct Ticket: Sendable { fileprivate let number: UInt64 }

    private struct State: ~Copyable {
        var entries: [UInt64: Entry] = [:]
        var next: UInt64 = 0
        var sweeping = false
    }
    private let state = Mutex(State())
    let interval: Duration

    init(interval: Duration) { self.interval = interval }

    func register(_ entry: Entry) -> Ticket {
        let (ticket, start) = state.withLock { s in
            s.next += 1
            s.entries[s.next] = entry
            defer { s.sweeping = true }
            return (Ticket(number: s.next), !s.sweeping)
        }
        if start { Task.detached { await self.sweep() } }
        return ticket
    }

    /// Removes the entry unless it has fired already.
    func cancel(_ ticket: Ticket) {
        _ = state.withLock { $0.entries.removeValue(forKey: ticket.number) }
    }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: interval)
            let now = ContinuousClock.now
            let due: [Entry]? = state.withLock { s in
                if s.entries.isEmpty {
                    s.sweeping = false
                    return nil
                }
                var due: [Entry] = []
                for number in Array(s.entries.keys) where s.entries[number]!.isDue(at: now) {
                    due.append(s.entries.removeValue(forKey: number)!)
                }
                return due
            }
            guard let due else { return }
            for entry in due { entry.fire() }
        }
    }
}
