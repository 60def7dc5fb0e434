import DebtCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum ProjectionCommands {
    static let statusColumns = [
        Column("name", "PROJECTION"), Column("state", "STATE"), Column("checkpoint", "CHECKPOINT", numeric: true),
        Column("head", "HEAD", numeric: true), Column("lag", "LAG", numeric: true), Column("rows", "ROWS", numeric: true),
        Column("last_rebuild_at", "LAST REBUILD"), Column("last_error", "LAST ERROR", wide: true),
        Column("last_rebuild_events", wide: true, numeric: true), Column("rebuild_running", wide: true),
        Column("updated_at", wide: true), Column("last_event_id", wide: true, numeric: true), Column("is_up_to_date", wide: true),
    ]

    /// `projections status [--check [--max-lag N]]`.
    static func status(_ ctx: Context) async throws -> Int32 {
        let rows = try await ctx.backend().projectionStatus()
        try ReadModelCommands.emit(ctx, statusColumns, rows)
        guard ctx.invocation.flag("check") else { return ExitStatus.ok }
        let maxLag = ctx.invocation.integer("max-lag") ?? 0
        let unhealthy = rows.filter { r in
            (r["lag"]?.integerValue ?? 0) > maxLag || r["state"]?.stringValue == "failed"
        }
        guard unhealthy.isEmpty else {
            try ctx.sink.flush()
            throw CLIError.unhealthy(
                "unhealthy projections: " + unhealthy.map { "\($0["name"]?.stringValue ?? "?") (\($0["state"]?.stringValue ?? "?"), lag \($0["lag"]?.integerValue ?? 0))" }.joined(separator: ", "))
        }
        return ExitStatus.ok
    }

    /// `projections rebuild`: confirmation, a progress line on a terminal, the result.
    static func rebuild(_ ctx: Context) async throws -> Int32 {
        if let name = ctx.invocation.positionals.first, !Schema.projections.contains(name) {
            throw CLIError.usage("unknown projection '\(name)'; projections are \(Schema.projections.joined(separator: ", "))")
        }
        let b = try ctx.backend()
        let head = try await b.headPosition()
        if try await b.rebuildRunning() { throw CLIError.conflict("another projection rebuild is running") }
        let what = "rebuild projections \(Schema.projections.joined(separator: " and ")) from \(head) events"
        if ctx.invocation.flag("dry-run") {
            try ctx.sink.write("would \(what) (beside the live tables, swapped in one transaction); nothing changed\n")
            return ExitStatus.ok
        }
        if Schema.projections.count > 1, let name = ctx.invocation.positionals.first {
            printError("debtctl: note: '\(name)' is rebuilt together with the other projections (balances span both)")
        }
        guard try ctx.confirm(what.prefix(1).uppercased() + what.dropFirst() + "?") else {
            printError("debtctl: rebuild cancelled")
            return ExitStatus.error
        }
        let progress = Progress(enabled: ctx.terminal.stderrIsTTY, label: "rebuilding")
        guard case .object(var record) = try await b.rebuild(progress: { done, total in progress.update(done, total) }) else {
            throw CLIError.failure("the rebuild answered nothing")
        }
        progress.finish()
        record["seconds"] = .double(progress.elapsed)
        let processed = record["events_processed"]?.integerValue ?? 0
        var lines = [
            ("Rebuilt", "\(processed) events in \(formatSeconds(progress.elapsed)) (\(rate(processed, progress.elapsed)) events/s)"),
            ("Caught up", "\(record["caught_up"]?.integerValue ?? 0) streams changed during the rebuild"),
            ("Head", String(record["head"]?.integerValue ?? 0)),
        ]
        if let c = record["contacts"]?.integerValue, let t = record["transactions"]?.integerValue { lines.append(("Rows", "\(c) contacts, \(t) transactions")) }
        try Describe.write(ctx, record: .object(record), lines: lines)
        return ExitStatus.ok
    }

    /// `projections verify`: every drifting row; exit 3 when there is any.
    static func verify(_ ctx: Context) async throws -> Int32 {
        let progress = Progress(enabled: ctx.terminal.stderrIsTTY, label: "replaying")
        let report = try await ctx.backend().verify { done, total in progress.update(done, total) }
        progress.finish()
        try ReadModelCommands.emit(
            ctx, [Column("projection", "PROJECTION"), Column("id", "ID"), Column("problem", "PROBLEM"), Column("columns", "COLUMNS")],
            report.drifts)
        try ctx.sink.flush()
        let summary = "replayed \(report.replayed) events up to position \(report.head): \(report.drifts.count) drifting row\(report.drifts.count == 1 ? "" : "s")"
        guard report.drifts.isEmpty else { throw CLIError.unhealthy(summary) }
        printError("debtctl: " + summary)
        return ExitStatus.ok
    }

    static func rate(_ n: Int64, _ seconds: Double) -> String {
        seconds > 0 ? String(Int64(Double(n) / seconds)) : "-"
    }
}

func formatSeconds(_ s: Double) -> String {
    s < 10 ? String(Double(Int(s * 100)) / 100) + "s" : String(Int(s)) + "s"
}

/// A live progress line on stderr (processed/total, rate, ETA); silent when stderr is not a terminal.
final class Progress {
    let enabled: Bool
    let label: String
    private let start = Timestamp.now()
    private var lastDraw: Int64 = 0

    init(enabled: Bool, label: String) {
        self.enabled = enabled
        self.label = label
    }

    var elapsed: Double { Double(Timestamp.now().microseconds - start.microseconds) / 1_000_000 }

    func update(_ done: Int64, _ total: Int64) {
        guard enabled else { return }
        let now = Timestamp.now().microseconds
        guard now - lastDraw > 100_000 || done == total else { return }
        lastDraw = now
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(max(0, total - done)) / rate : 0
        let percent = total > 0 ? done * 100 / total : 100
        var line = Array("\r\u{1B}[K\(label): \(done)/\(total) events (\(percent)%)  \(Int64(rate)) events/s  ETA \(formatSeconds(eta))".utf8)
        _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    func finish() {
        guard enabled else { return }
        var clear = Array("\r\u{1B}[K".utf8)
        _ = clear.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
