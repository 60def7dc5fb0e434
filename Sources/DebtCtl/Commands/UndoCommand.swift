import DebtCore

enum UndoCommand {
    /// `undo EVENT_ID` or `undo --last N`: plan (a dry run), show, confirm, then undo for real; the
    /// store (directly or behind the server) checks the plan again under its append lock.
    static func run(_ ctx: Context) async throws -> Int32 {
        let inv = ctx.invocation
        let dryRun = inv.flag("dry-run")
        let reason = inv.string("reason")
        if !dryRun, reason?.trimmingWhitespace.isEmpty ?? true {
            throw CLIError.usage("undo needs --reason TEXT (it is recorded with the UNDO event)")
        }
        let b = try ctx.backend()
        let targets = try await resolveTargets(ctx, b)
        let names = try await b.usernames()
        var pending: [Identifier] = []
        for id in targets {
            let (plan, _) = try await b.undo(id, reason: reason, actor: ctx.actor, dryRun: true)
            try show(ctx, plan, names: names)
            if plan["already_undone_by"]?.isNull ?? true { pending.append(id) }
        }
        if dryRun || pending.isEmpty {
            if dryRun { printError("debtctl: dry run: nothing appended") }
            return ExitStatus.ok
        }
        try ctx.sink.flush()
        guard try ctx.confirm(pending.count == 1 ? "Append this UNDO?" : "Append these \(pending.count) UNDO events?") else {
            printError("debtctl: undo cancelled")
            return ExitStatus.error
        }
        for id in pending {
            let (plan, position) = try await b.undo(id, reason: reason, actor: ctx.actor, dryRun: false)
            let undoID = plan["undo_event_id"]?.stringValue ?? ""
            if let position {
                if ctx.format == .json || ctx.format == .ndjson {
                    let record: JSONValue = ["undone_event_id": .string(id.description), "appended_at": .integer(position), "undo_event_id": .string(undoID)]
                    try ctx.sink.write(record.canonicalText + "\n")
                } else {
                    try ctx.sink.write("appended UNDO \(undoID) at position \(position)\n")
                }
            } else {
                try ctx.sink.write("event \(id) was undone meanwhile by \(plan["already_undone_by"]?.stringValue ?? "another operator"); nothing appended\n")
            }
        }
        return ExitStatus.ok
    }

    static func resolveTargets(_ ctx: Context, _ b: any Backend) async throws -> [Identifier] {
        let inv = ctx.invocation
        if let n = inv.integer("last") {
            if !inv.positionals.isEmpty { throw CLIError.usage("give an EVENT_ID or --last N, not both") }
            var q = EventQuery()
            q.userID = try await b.resolveUser(inv.string("user"))
            q.recordedFrom = inv.time("since", now: ctx.now)
            q.types = [.init(aggregate: nil, type: .created), .init(aggregate: nil, type: .updated), .init(aggregate: nil, type: .deleted)]
            q.newestFirst = true
            q.limit = Int(n)
            var ids: [Identifier] = []
            try await b.streamEvents(q) { ids.append($0.id) }
            if ids.isEmpty { throw StoreError.notFound("no events match --last \(n)") }
            return ids
        }
        if inv.flag("user") || inv.flag("since") { throw CLIError.usage("--user and --since go with --last") }
        guard let text = inv.positionals.first else { throw CLIError.usage("undo needs an EVENT_ID or --last N") }
        guard let id = Identifier(text) else { throw CLIError.usage("EVENT_ID must be a UUID, got '\(text)'") }
        return [id]
    }

    /// The plan (`UndoPlan.json`) for people, or as JSON.
    static func show(_ ctx: Context, _ plan: JSONValue, names: [Identifier: String]) throws {
        let owner = plan["user_id"]?.stringValue.flatMap { Identifier($0) }.flatMap { names[$0] } ?? "?"
        if ctx.format == .json || ctx.format == .ndjson {
            guard case .object(var o) = plan else { return }
            o["owner"] = .string(owner)
            o["plan"] = .string(o["already_undone_by"]?.isNull ?? true ? "append UNDO" : "nothing to do")
            try ctx.sink.write((ctx.format == .json ? JSONValue.object(o).prettyText : JSONValue.object(o).canonicalText) + "\n")
            return
        }
        let s = ctx.style
        let target = plan["target"]?.stringValue ?? "?"
        var text = s.bold(plan["redo"] == true ? "Redo" : "Undo")
            + " \(plan["type"]?.stringValue ?? "?") \(target) (\(plan["stream"]?.stringValue ?? "?"), owner \(owner))\n"
        if let by = plan["already_undone_by"]?.stringValue {
            try ctx.sink.write(text + "  already undone by \(by): nothing to do\n")
            return
        }
        text += "  " + s.bold("before: ") + describe(plan["before"]) + "\n"
        text += "  " + s.bold("after:  ") + describe(plan["after"]) + "\n"
        if case .object(let b)? = plan["before"], case .object(let a)? = plan["after"] {
            for k in Set(b.keys).union(a.keys).sorted() where b[k] != a[k] && !["version", "updated_at"].contains(k) {
                text += "    \(k): \(Describe.cell(b[k])) → \(Describe.cell(a[k]))\n"
            }
        }
        for c in plan["balance_changes"]?.arrayValue ?? [] {
            let before = c["before"]?.integerValue ?? 0
            let after = c["after"]?.integerValue ?? 0
            text += "  balance of contact \(c["contact_id"]?.stringValue ?? "?"): \(before) → \(after) (\(after - before >= 0 ? "+" : "")\(after - before))\n"
        }
        let delta = plan["total_delta"]?.integerValue ?? 0
        if delta != 0 { text += "  \(owner)'s total changes by \(delta >= 0 ? "+" : "")\(delta)\n" }
        try ctx.sink.write(text)
    }

    static func describe(_ state: JSONValue?) -> String {
        guard case .object(let o)? = state else { return "does not exist" }
        let deleted = o["is_deleted"] == .bool(true) ? " (deleted)" : ""
        if let name = o["name"]?.stringValue { return "contact \"\(name)\"" + deleted }
        let item = o["type"]?.stringValue == "item" ? "item " : ""
        return "\(o["direction"]?.stringValue ?? "?") \(o["amount"]?.integerValue ?? 0) \(o["currency"]?.stringValue ?? "") \(item)with contact \(o["contact_id"]?.stringValue ?? "?")" + deleted
    }
}
