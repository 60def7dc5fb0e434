import DebtCore

enum EventsCommands {
    /// `events list`: filters → one parameterized query, rows streamed straight to the output.
    static func list(_ ctx: Context) async throws -> Int32 {
        let inv = ctx.invocation
        let backend = try ctx.backend()
        var q = EventQuery()
        q.types = inv.strings("type").compactMap(EventQuery.TypeFilter.init)
        q.aggregateType = inv.string("aggregate").flatMap(AggregateType.init(rawValue:))
        if let s = inv.string("stream") {
            guard let stream = StreamID(s) else { throw CLIError.usage("--stream must be contact-<id> or transaction-<id>, got '\(s)'") }
            if let a = q.aggregateType, a != stream.aggregateType { throw CLIError.usage("--stream \(s) contradicts --aggregate \(a.rawValue)") }
            q.aggregateType = stream.aggregateType
            q.aggregateID = stream.aggregateID
        }
        if let id = inv.string("aggregate-id").flatMap({ Identifier($0) }) {
            if let other = q.aggregateID, other != id { throw CLIError.usage("--aggregate-id contradicts --stream") }
            q.aggregateID = id
        }
        q.userID = try await backend.resolveUser(inv.string("user"))
        q.search = inv.string("search")
        q.recordedFrom = inv.time("since", now: ctx.now)
        q.recordedUntil = inv.time("until", now: ctx.now)
        q.afterPosition = inv.integer("after")
        q.beforePosition = inv.integer("before")
        let limit = inv.integer("limit") ?? 50
        q.limit = limit == 0 ? nil : Int(limit)
        q.newestFirst = (q.afterPosition == nil) != inv.flag("reverse")
        let out = try ctx.records(EventPresentation.columns)
        if limit == 0 || limit > 200 { ctx.startPagerIfUseful() }
        try out.begin()
        try backend.eachNamedEvent(q) { e, username in try out.emit(EventPresentation.record(e, username: username)) }
        try out.end()
        return ExitStatus.ok
    }

    /// `events show`: the envelope, data, metadata, and the undo links both ways.
    static func show(_ ctx: Context) async throws -> Int32 {
        let text = ctx.invocation.positionals[0]
        guard let id = Identifier(text) else { throw CLIError.usage("EVENT_ID must be a UUID, got '\(text)'") }
        let backend = try ctx.backend()
        let (e, undos) = try await backend.eventDetail(id)
        let names = try await backend.usernames()
        let owner = e.userID.flatMap { names[$0] } ?? ""
        guard case .object(var o) = EventPresentation.record(e, username: owner) else { return 1 }
        o["stream"] = .string(e.stream.description)
        o["undone_by"] = .array(undos.map { .string($0.description) })
        o["undoes"] = e.undoneEventID.map { .string($0.description) } ?? .null
        let record = JSONValue.object(o)
        switch ctx.format {
        case .json, .ndjson: try ctx.sink.write((ctx.format == .json ? record.prettyText : record.canonicalText) + "\n")
        case .csv, .table, .wide:
            if ctx.format == .csv {
                let out = try ctx.records(EventPresentation.columns)
                try out.begin(); try out.emit(record); try out.end()
                return ExitStatus.ok
            }
            let s = ctx.style
            var lines: [(String, String)] = [
                ("Event", e.id.description), ("Type", s.eventType(e.fullTypeName)), ("Stream", e.stream.description),
                ("Version", String(e.version)), ("Position", String(e.position ?? 0)),
                ("User", "\(owner) (\(e.userID?.description ?? "?"))"),
                ("Recorded", e.recordedAt?.description ?? ""), ("Timestamp", e.timestamp.description + "  (on the device)"),
                ("Actor", e.metadata.actor ?? "-"), ("Reason", e.metadata.reason ?? "-"), ("Source", e.metadata.source ?? "-"),
            ]
            if let target = e.undoneEventID { lines.append(("Undoes", target.description)) }
            for u in undos {
                let undo = try await backend.eventDetail(u).event
                lines.append(("Undone by", "\(u) at position \(undo.position ?? 0)" + (undo.metadata.reason.map { ": \($0)" } ?? "")))
            }
            var text = ""
            for (k, v) in lines { text += s.bold((k + ":").padding(12)) + v + "\n" }
            text += s.bold("Data:") + "\n" + JSONValue.object(e.data).prettyText.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            try ctx.sink.write(text)
        }
        return ExitStatus.ok
    }

    /// `events tail`: the last N events in log order, then (with -f) each new one as it commits.
    static func tail(_ ctx: Context) async throws -> Int32 {
        let inv = ctx.invocation
        let backend = try ctx.backend()
        var q = EventQuery()
        q.userID = try await backend.resolveUser(inv.string("user"))
        q.newestFirst = true
        q.limit = Int(inv.integer("lines") ?? 10)
        var names = try await backend.usernames()
        var recent: [Event] = []
        if q.limit != 0 { try await backend.streamEvents(q) { recent.append($0) } }
        recent.reverse()
        let head = try await backend.headPosition()
        var last = max(recent.last?.position ?? 0, head)
        let line = TailLine(ctx: ctx)
        for e in recent { try line.write(e, user: e.userID.flatMap { names[$0] } ?? "") }
        try ctx.sink.flush()
        guard inv.flag("follow") else { return ExitStatus.ok }
        while true {
            // Wait first (LISTEN directly, a long-poll through the server), then read from the cursor:
            // an event committed while waiting is read by position, so none slips through.
            try await backend.waitForEvents(after: last, timeout: 25)
            q.afterPosition = last
            q.newestFirst = false
            q.limit = 1000
            var batch: [Event] = []
            try await backend.streamEvents(q) { batch.append($0) }
            for e in batch {
                if let u = e.userID, names[u] == nil { names = try backend.usernames(fresh: true) }
                try line.write(e, user: e.userID.flatMap { names[$0] } ?? "")
                last = max(last, e.position ?? last)
            }
            try ctx.sink.flush()
        }
    }
}

/// Streaming output for `tail`: one line (or one JSON object) per event, no buffering for widths.
struct TailLine {
    let ctx: Context

    func write(_ e: Event, user: String) throws {
        let record = EventPresentation.record(e, username: user)
        switch ctx.format {
        case .json, .ndjson:
            try ctx.sink.write(record.canonicalText + "\n")
        case .csv:
            let fields = ctx.fields ?? EventPresentation.columns.filter { !$0.wide }.map(\.field)
            try ctx.sink.write(fields.map { f in record[f].map { $0.stringValue ?? $0.canonicalText } ?? "" }.joined(separator: ",") + "\n")
        case .table, .wide:
            let type = e.fullTypeName.padding(20)
            try ctx.sink.write(
                String(e.position ?? 0).padding(8) + (e.recordedAt?.description ?? "").padding(28) + ctx.style.eventType(type)
                    + e.aggregateID.description + "  " + user.padding(12) + EventPresentation.summary(e) + "\n")
        }
    }
}
