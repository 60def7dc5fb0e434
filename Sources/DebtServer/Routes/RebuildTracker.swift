import DebtCore

/// This instance's view of a running rebuild, for `GET /api/admin/projections/status` (the lock in
/// PostgreSQL is what keeps rebuilds apart across instances).
actor RebuildTracker {
    struct Progress: Sendable {
        var processed: Int64
        var total: Int64
        var startedAt: Timestamp
    }

    private(set) var current: Progress?

    func start(total: Int64) { current = Progress(processed: 0, total: total, startedAt: .now()) }
    func update(_ processed: Int64, _ total: Int64) {
        current?.processed = processed
        current?.total = total
    }
    func finish() { current = nil }

    var json: JSONValue {
        guard let c = current else { return .null }
        let seconds = Double(Timestamp.now().microseconds - c.startedAt.microseconds) / 1e6
        return .object([
            "processed": .integer(c.processed), "total": .integer(c.total), "started_at": .string(c.startedAt.description),
            "events_per_second": .integer(seconds > 0 ? Int64(Double(c.processed) / seconds) : 0),
        ])
    }
}
