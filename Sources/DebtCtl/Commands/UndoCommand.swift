import DebtCore

enum UndoCommand {
    /// `undo EVENT_ID` or `undo --last N`: plan, show, confirm, append through the store's undo.
    static func run(_ ctx: Context) async throws -> Int32 {
        let inv = ctx.invocation
        let dryRun = inv.flag("dry-run")
        let reason = inv.string("reason")
        if !dryRun, reason?.trimmingSpaces.isEmpty ?? true {
            throw CLIError.usage("undo needs --reason TEXT (it is recorded with the UNDO event)")
        }
        let targets = try await resolveTargets(ctx)
        let b = try ctx.backend()
        let metadata = EventMetadata(actor: ctx.actor, reason: reason, source: "debtctl")
        var plans: [UndoPlan] = []
        for id in targets {
            let plan = try await b.store.planUndo(eventID: id, metadata: metadata)
            plans.append(plan)
            try show(ctx, plan, owner: try await b.username(plan.target.userID))
        }
        let pending = plans.filter { $0.undoEvent != nil }
        if dryRun || pending.isEmpty {
            if dryRun { printError("debtctl: dry run: nothing appended") }
            return ExitStatus.ok
        }
        try ctx.sink.flush()
        guard try ctx.confirm(pending.count == 1 ? "Append this UNDO?" : "Append these \(pending.count) UNDO events?") else {
            printError("debtctl: undo cancelled")
            return ExitStatus.error
        }
        for plan in pending {
            let result = try await b.store.undo(eventID: plan.target.id, metadata: metadata, dryRun: false)
            if let p = result.appendedAt {
                let record: JSONValue = .object([
                    "undone_event_id": .string(plan.target.id.description), "appended_at": .integer(p),
                    "undo_event_id": .string(result.plan.undoEvent?.id.description ?? ""),
                ])
                if ctx.format == .json || ctx.format == .ndjson { try ctx.sink.write(record.canonicalText + "\n") } else {
                    try ctx.sink.write("appended UNDO \(result.plan.undoEvent?.id.description ?? "") at position \(p)\n")
                }
            } else {
                try ctx.sink.write("event \(plan.target.id) was undone meanwhile by \(result.plan.alreadyUndoneBy?.description ?? "another operator"); nothing appended\n")
            }
        }
        return ExitStatus.ok
    }

    static func resolveTargets(_ ctx: Context) async throws -> [Identifier] {
        let inv = ctx.invocation
        if let n = inv.integer("last") {
            if !inv.positionals.isEmpty { throw CLIError.usage("give an EVENT_ID or --last N, not both") }
            let b = try ctx.backend()
            var q = EventQuery()
            q.userID = try await b.user(inv.string("user"))
            q.recordedFrom = inv.time("since", now: ctx.now)
            q.types = [.init(aggregate: nil, type: .created), .init(aggregate: nil, type: .updated), .init(aggregate: nil, type: .deleted)]
            q.newestFirst = true
            q.limit = Int(n)
            let events = try await b.store.events(q)
            if events.isEmpty { throw StoreError.notFound("no events match --last \(n)") }
            return events.map(\.id)
        }
        if inv.flag("user") || inv.flag("since") { throw CLIError.usage("--user and --since go with --last") }
        guard let text = inv.positionals.first else { throw CLIError.usage("undo needs an EVENT_ID or --last N") }
        guard let id = Identifier(text) else { throw CLIError.usage("EVENT_ID must be a UUID, got '\(text)'") }
        return [id]
    }

    static func show(_ ctx: Context, _ plan: UndoPlan, owner: String) throws {
        var record: [String: JSONValue] = [
            "target": .string(plan.target.id.description), "type": .string(plan.target.fullTypeName),
            "stream": .string(plan.target.stream.description), "owner": .string(owner), "redo": .bool(plan.isRedo),
            "already_undone_by": plan.alreadyUndoneBy.map { .string($0.description) } ?? .null,
            "before": plan.before?.json ?? .null, "after": plan.after?.json ?? .null, "total_delta": .integer(plan.totalDelta),
            "balance_changes": .array(plan.balanceChanges.map {
                .object(["contact_id": .string($0.contactID.description), "before": .integer($0.before), "after": .integer($0.after)])
            }),
        ]
        if ctx.format == .json || ctx.format == .ndjson {
            record["plan"] = .string(plan.undoEvent == nil ? "nothing to do" : "append UNDO")
            try ctx.sink.write((ctx.format == .json ? JSONValue.object(record).prettyText : JSONValue.object(record).canonicalText) + "\n")
            return
        }
        let s = ctx.style
        var text = s.bold(plan.isRedo ? "Redo" : "Undo") + " \(plan.target.fullTypeName) \(plan.target.id) (\(plan.target.stream), owner \(owner))\n"
        if let by = plan.alreadyUndoneBy {
            try ctx.sink.write(text + "  already undone by \(by): nothing to do\n")
            return
        }
        text += "  " + s.bold("before: ") + describe(plan.before) + "\n"
        text += "  " + s.bold("after:  ") + describe(plan.after) + "\n"
        if case .object(let b)? = plan.before?.json, case .object(let a)? = plan.after?.json {
            for k in Set(b.keys).union(a.keys).sorted() where b[k] != a[k] && !["version", "updated_at"].contains(k) {
                text += "    \(k): \(Describe.cell(b[k])) → \(Describe.cell(a[k]))\n"
            }
        }
        for c in plan.balanceChanges {
            text += "  balance of contact \(c.contactID): \(c.before) → \(c.after) (\(c.delta >= 0 ? "+" : "")\(c.delta))\n"
        }
        if plan.totalDelta != 0 { text += "  \(owner)'s total changes by \(plan.totalDelta >= 0 ? "+" : "")\(plan.totalDelta)\n" }
        try ctx.sink.write(text)
    }

    static func describe(_ s: AggregateState?) -> String {
        switch s {
        case nil: return "does not exist"
        case .contact(let c)?: return "contact \"\(c.name)\"" + (c.isDeleted ? " (deleted)" : "")
        case .transaction(let t)?:
            return "\(t.direction.rawValue) \(t.amount) \(t.currency) \(t.kind == .item ? "item " : "")with contact \(t.contactID)" + (t.isDeleted ? " (deleted)" : "")
        }
    }
}
