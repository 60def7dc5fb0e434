import Foundation
import Testing
import TestSupport

/// The benchmark suite at a smoke size (5,000 events, short runs, debug builds), so that it cannot rot:
/// every measure runs against its baseline and reports a figure. The figures themselves mean nothing
/// here; the full run is `scripts/bench` (BENCHMARKS.md).
@Suite("benchmark suite, smoke size")
struct BenchmarkSmokeTests {
    @Test("debt-bench --smoke runs every measure and reports each with its baseline")
    func smoke() throws {
        let r = try CommandRunner.run("debt-bench", ["--smoke", "--bin", CommandRunner.productsDirectory])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| measure") }
        #expect(rows.count == 8, "\(r.stdout)")
        for measure in ["debtctl projections rebuild", "--version", "events list --limit 50", "-o ndjson", "/api/sync/events", "/api/contacts", "/api/sync/hash", "WebSocket fan-out"] {
            #expect(rows.contains { $0.contains(measure) }, "no row for \(measure)")
        }
        // Every row has a figure and a ratio or target verdict; the verify sanity check found no drift.
        #expect(rows.allSatisfy { $0.split(separator: "|").count >= 6 })
        #expect(r.stdout.contains("Verify after the rebuild: 0 drifting rows"))
    }
}
