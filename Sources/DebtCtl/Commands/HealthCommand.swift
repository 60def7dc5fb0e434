import DebtCore
import LibPQ

enum HealthCommand {
    /// `health`: database reachable, schema current, projections healthy. Exit 0, 3 or 69.
    static func run(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()  // unreachable: exit 69 from here
        var checks: [JSONValue] = []
        var healthy = true
        func check(_ name: String, _ ok: Bool, _ detail: String) {
            healthy = healthy && ok
            checks.append(.object(["check": .string(name), "status": .string(ok ? "ok" : "fail"), "detail": .string(detail)]))
        }
        check("database", true, "\(b.connection.endpoint), PostgreSQL \(b.connection.serverVersion / 10000).\(b.connection.serverVersion % 100)")
        let version = try await b.store.schemaVersion()
        check("schema", version == Schema.latestVersion, "version \(version) of \(Schema.latestVersion)")
        if version > 0 {
            for p in try await b.store.projectionStatus() {
                let state = p["state"]?.stringValue ?? "?"
                check("projection \(p["name"]?.stringValue ?? "?")", state == "ok" || state == "rebuilding", "\(state), lag \(p["lag"]?.integerValue ?? 0), \(p["rows"]?.integerValue ?? 0) rows")
            }
        }
        try ReadModelCommands.emit(ctx, [Column("check", "CHECK"), Column("status", "STATUS"), Column("detail", "DETAIL")], checks)
        if !healthy {
            try ctx.sink.flush()
            throw CLIError.unhealthy("unhealthy")
        }
        return ExitStatus.ok
    }
}
