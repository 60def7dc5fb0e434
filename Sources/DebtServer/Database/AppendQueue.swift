import DebtCore

/// Group commit for the append path. Requests that arrive while an append transaction runs wait and
/// then go together, in arrival order, through one `EventStore.append` (one lock, one snapshot read,
/// one set of writes, one commit) instead of one transaction each. Appends are serialized by the
/// database's append lock anyway; batching them turns many short lock holds into a few larger ones, so
/// throughput grows with concurrency instead of being capped by round trips per event.
///
/// The outcome of each event is exactly what it would be had its request committed alone at that point
/// in the order (the planner decides event by event). If the database fails a group, each request is
/// retried alone, so one request's failure never becomes another's; if the database is unavailable,
/// every request of the group is answered with that at once.
actor AppendQueue {
    private struct Request {
        let events: [Event]
        let options: AppendOptions
        let continuation: CheckedContinuation<[AppendOutcome], any Error>
    }

    /// Events per group at most (a sync push of 1,000 events still goes alone).
    static let groupLimit = 1_000

    private let database: Database
    private var pending: [Request] = []
    private var draining = false

    init(database: Database) { self.database = database }

    /// Appends `events` with `options`; returns their outcomes in order, as `EventStore.append` does.
    func append(_ events: [Event], options: AppendOptions) async throws -> [AppendOutcome] {
        guard !events.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Request(events: events, options: options, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            // The oldest request and those after it with the same options, up to the limit.
            let options = pending[0].options
            var group: [Request] = []
            var count = 0
            while let next = pending.first, next.options.undoWindowSeconds == options.undoWindowSeconds,
                group.isEmpty || count + next.events.count <= Self.groupLimit
            {
                group.append(pending.removeFirst())
                count += next.events.count
            }
            do {
                let outcomes = try await database.withStore { try await $0.append(group.flatMap(\.events), options: options) }
                var offset = 0
                for r in group {
                    r.continuation.resume(returning: Array(outcomes[offset..<offset + r.events.count]))
                    offset += r.events.count
                }
            } catch {
                // One request alone, or the database unavailable (which no request caused, and retrying
                // each alone would make every waiting request wait for a connection once more): all
                // fail with the error.
                if group.count == 1 || (error as? SQLError)?.kind == .connection {
                    for r in group { r.continuation.resume(throwing: error) }
                    continue
                }
                for r in group {
                    do {
                        let outcomes = try await database.withStore { try await $0.append(r.events, options: r.options) }
                        r.continuation.resume(returning: outcomes)
                    } catch {
                        r.continuation.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }
}
