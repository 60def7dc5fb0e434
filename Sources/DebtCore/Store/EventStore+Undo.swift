extension EventStore {
    /// What an undo did or would do.
    public struct UndoResult: Sendable {
        public let plan: UndoPlan
        /// Where the UNDO was appended; nil for a dry run or when the target was already undone.
        public let appendedAt: Int64?
    }

    /// Plans the undo of `eventID` and, unless `dryRun`, appends its UNDO through the append path
    /// (which checks the plan again under the append lock). Idempotent: when the target is already
    /// undone nothing is appended. Concurrent undos of one event append exactly one UNDO: the losers
    /// of the version race plan again and find the target undone.
    public func undo(eventID: Identifier, metadata: EventMetadata, dryRun: Bool) async throws -> UndoResult {
        for _ in 0..<20 {
            let plan = try await planUndo(eventID: eventID, metadata: metadata)
            guard !dryRun, let undo = plan.undoEvent else { return UndoResult(plan: plan, appendedAt: nil) }
            let outcome = try await append([undo], options: .admin)[0]
            switch outcome {
            case .appended(let p): return UndoResult(plan: plan, appendedAt: p)
            case .duplicate: return UndoResult(plan: plan, appendedAt: nil)
            case .conflict(let c) where c.kind == .version: continue
            case .conflict(let c): throw StoreError.conflict(c.message)
            case .invalid(let e): throw StoreError.conflict(e.description)
            }
        }
        throw StoreError.conflict("event \(eventID) is being changed by other writers; try again")
    }

    public func planUndo(eventID: Identifier, metadata: EventMetadata) async throws -> UndoPlan {
        guard let target = try await event(id: eventID) else { throw StoreError.notFound("event \(eventID) does not exist") }
        let history = try await stream(target.stream)
        let planner = UndoPlanner(history: history)
        var context = UndoPlanner.Context()
        let ids = planner.referencedContacts
        for r in try await session.query(
            """
            SELECT c.id::text, (NOT c.is_deleted)::text, c.balance::text,
                   (SELECT count(*) FROM transactions_projection t WHERE t.contact_id = c.id AND NOT t.is_deleted)::text
              FROM contacts_projection c WHERE c.id = ANY($1::uuid[])
            """, [SQLText.uuidArray(ids)])
        {
            guard let id = r[0].flatMap({ Identifier($0) }), let balance = r[2].flatMap({ Int64($0) }) else { continue }
            context.balances[id] = balance
            if r[1] == "true" { context.liveContacts.insert(id) }
            if id == target.aggregateID, target.aggregateType == .contact { context.liveTransactionCount = Int(r[3] ?? "0") ?? 0 }
        }
        do throws(UndoRefusal) {
            return try planner.plan(
                target: eventID, undoID: .random(), now: Timestamp.now(), metadata: metadata, context: context)
        } catch {
            throw StoreError.refused(error)
        }
    }
}
