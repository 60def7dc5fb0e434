import DebtCore

enum StreamCommand {
    /// `stream show`: every event of one aggregate (live or undone), its state now, and its balance.
    static func show(_ ctx: Context) async throws -> Int32 {
        let text = ctx.invocation.positionals[0]
        guard let id = StreamID(text) else { throw CLIError.usage("STREAM must be contact-<id> or transaction-<id>, got '\(text)'") }
        let backend = try ctx.backend()
        let replay = try await backend.stream(id)
        guard let first = replay.events.first else { throw StoreError.notFound("stream \(id) has no events") }
        let state = replay.state
        let undone = replay.undoneBy
        var balance: JSONValue = .null
        if case .contact? = state {
            let rows = try await backend.contacts(.init(contactID: id.aggregateID, includeDeleted: true))
            balance = rows.first?["balance"] ?? .integer(0)
        } else if case .transaction(let t)? = state {
            balance = .integer(t.contribution)
        }
        let names = try await backend.usernames()
        let owner = first.userID.flatMap { names[$0] } ?? ""
        let events: [JSONValue] = replay.events.map { e in
            guard case .object(var o) = EventPresentation.record(e, username: owner) else { return .null }
            o["live"] = .bool(e.eventType != .undo && undone[e.id] == nil)
            o["undone_by"] = undone[e.id].map { .string($0.description) } ?? .null
            return .object(o)
        }
        let record: JSONValue = .object([
            "stream": .string(id.description), "owner": .string(owner), "user_id": .string(first.userID?.description ?? ""),
            "version": .integer(replay.version), "exists": .bool(state != nil), "state": state?.json ?? .null,
            "balance": balance, "events": .array(events),
        ])
        if ctx.format == .json || ctx.format == .ndjson {
            try Describe.write(ctx, record: record, lines: [])
            return ExitStatus.ok
        }
        var lines: [(String, String)] = [
            ("Stream", id.description), ("Owner", owner), ("Version", String(replay.version)),
            ("Exists", state == nil ? "no (its creation is undone)" : state?.isDeleted == true ? "deleted" : "yes"),
            (id.aggregateType == .contact ? "Balance" : "Contribution", Describe.cell(balance)),
        ]
        if case .object(let fields)? = state?.json {
            for k in fields.keys.sorted() where !["id", "user_id", "version"].contains(k) { lines.append(("  " + k, Describe.cell(fields[k]))) }
        }
        try Describe.write(ctx, record: record, lines: lines)
        try Describe.heading(ctx, "History")
        let out = try ctx.records([
            Column("position", "POS", numeric: true), Column("version", "VER", numeric: true), Column("type", "TYPE"),
            Column("live", "LIVE"), Column("created_at", "RECORDED"), Column("summary", "SUMMARY"), Column("event_id", "EVENT", wide: true),
            Column("undone_by", "UNDONE BY", wide: true),
        ])
        try out.begin()
        for e in events { try out.emit(e) }
        try out.end()
        return ExitStatus.ok
    }
}
