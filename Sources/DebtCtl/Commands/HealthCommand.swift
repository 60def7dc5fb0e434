import DebtCore

enum HealthCommand {
    /// `health`: reachable, schema current, projections healthy. Exit 0, 3 (unhealthy) or 69 (unreachable).
    static func run(_ ctx: Context) async throws -> Int32 {
        let checks = try await ctx.backend().health()
        try ReadModelCommands.emit(ctx, [Column("check", "CHECK"), Column("status", "STATUS"), Column("detail", "DETAIL")], checks)
        if checks.first?["check"] == "server", checks.first?["status"] == "fail" {
            try ctx.sink.flush()
            throw CLIError.unavailable(checks.first?["detail"]?.stringValue ?? "unreachable")
        }
        guard checks.allSatisfy({ $0["status"] == "ok" }) else {
            try ctx.sink.flush()
            throw CLIError.unhealthy("unhealthy: " + checks.filter { $0["status"] != "ok" }.compactMap { $0["check"]?.stringValue }.joined(separator: ", "))
        }
        return ExitStatus.ok
    }
}
