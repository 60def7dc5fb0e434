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
///
/// A request that answers with the record it wrote (the REST writes) asks for a read-back: after the
/// commit, the group's records are read in one query per kind on the same connection, where each
/// request would otherwise lease a connection again and run a query of its own.
actor AppendQueue {
    /// The record a request wants back once its events are accepted: `kind` `id`, if `userID` owns it.
    struct ReadBack: Sendable {
        let kind: AggregateType
        let id: Identifier
        let userID: Identifier
    }

    private struct Request {
        let events: [Event]
        let options: AppendOptions
        let readBack: ReadBack?
        let continuation: CheckedContinuation<(outcomes: [AppendOutcome], record: JSONValue?), any Error>
    }

    /// Events per group at most (a sync push of 1,000 events still goes alone).
    static let groupLimit = 1_000

    private let database: Database
    private var pending: [Request] = []
    private var draining = false

    init(database: Database) { self.database = database }

    /// Appends `events` with `options`; returns their outcomes in order, as `EventStore.append` does.
    func append(_ events: [Event], options: AppendOptions) async throws -> [AppendOutcome] {
        try await append(events, options: options, readBack: nil).outcomes
    }

    /// Appends `events` with `options`; returns their outcomes in order and, if every event was accepted,
    /// the record `readBack` names as the read models show it just after the commit (nil if it could not
    /// be read: the caller reads it itself).
    func append(_ events: [Event], options: AppendOptions, readBack: ReadBack?) async throws -> (outcomes: [AppendOutcome], record: JSONValue?) {
        guard !events.isEmpty else { return ([], nil) }
        return try await withCheckedThrowingContinuation { continuation in
            pending.append(Request(events: events, options: options, readBack: readBack, continuation: continuation))
            if !draining {
                draining = true
                // Every request waits on this loop, and each of its round trips resumes it behind the
                // handlers it has just woken (16 or so per group under load): at a higher priority it
                // runs first.
                Task(priority: .high) { await self.drain() }
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
                let (outcomes, records) = try await database.withStore { store in
                    let outcomes = try await store.append(group.flatMap(\.events), options: options)
                    var wanted: [ReadBack] = []
                    var offset = 0
                    for r in group {
                        if let b = r.readBack, outcomes[offset..<offset + r.events.count].allSatisfy(\.isAccepted) { wanted.append(b) }
                        offset += r.events.count
                    }
                    return (outcomes, await Self.read(wanted, store))
                }
                var offset = 0
                for r in group {
                    let record = r.readBack.flatMap { b in records[b.id].flatMap { $0["user_id"]?.stringValue == b.userID.description ? $0 : nil } }
                    r.continuation.resume(returning: (Array(outcomes[offset..<offset + r.events.count]), record))
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
                        r.continuation.resume(returning: (outcomes, nil))
                    } catch {
                        r.continuation.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }

    /// The records `wanted` names, by id: one query per kind. A failure to read is not the append's
    /// (it has committed): it leaves the records out, and their requests read them themselves.
    private static func read(_ wanted: [ReadBack], _ store: EventStore) async -> [Identifier: JSONValue] {
        var records: [Identifier: JSONValue] = [:]
        for kind in [AggregateType.contact, .transaction] {
            let ids = wanted.filter { $0.kind == kind }.map(\.id)
            guard !ids.isEmpty else { continue }
            let filter = EventStore.ListFilter(includeDeleted: true, ids: ids)
            guard let rows = try? await (kind == .contact ? store.contacts(filter) : store.transactions(filter)) else { continue }
            for row in rows {
                if let id = row["id"]?.stringValue.flatMap({ Identifier($0) }) { records[id] = row }
            }
        }
        return records
    }
}
