import DebtCore
import Foundation
import Testing
import TestSupport

@Suite("debtctl commands end to end")
struct CommandTests {
    @Test("events show links an event and its undo both ways")
    func showLinks() async throws {
        let d = try await Deployment.make()
        let target = Deployment.id(1006)
        let undo = try d.debtctl(["undo", target.description, "--reason", "ticket 7", "--yes"])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdout.contains("balance of contact \(Deployment.id(10)): 2100 → 1100 (-1000)"))
        let shown = try JSONValue(parsing: try d.debtctl(["events", "show", target.description, "-o", "json"]).stdout)
        let undoID = try #require(shown["undone_by"]?.arrayValue?.first?.stringValue)
        let back = try JSONValue(parsing: try d.debtctl(["events", "show", undoID, "-o", "json"]).stdout)
        #expect(back["undoes"] == .string(target.description))
        #expect(back["metadata"]?["reason"] == .string("ticket 7"))
        #expect(back["metadata"]?["actor"]?.stringValue?.hasPrefix("debtctl:") == true)
        let table = try d.debtctl(["events", "show", target.description])
        #expect(table.stdout.contains("Undone by:") && table.stdout.contains("ticket 7"))
    }

    @Test("undo: dry run changes nothing, asks without --yes, is idempotent, refuses what would orphan data")
    func undo() async throws {
        let d = try await Deployment.make()
        let target = Deployment.id(1004).description
        let dry = try d.debtctl(["undo", target, "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("after:"))
        #expect(try d.sql("SELECT count(*)::text FROM events") == [["9"]])
        let noReason = try d.debtctl(["undo", target])
        #expect(noReason.status == 2 && noReason.stderr.contains("--reason"))
        let noTTY = try d.debtctl(["undo", target, "--reason", "r"])
        #expect(noTTY.status == 2 && noTTY.stderr.contains("--yes"))
        #expect(try d.sql("SELECT count(*)::text FROM events") == [["9"]])
        #expect(try d.debtctl(["undo", target, "--reason", "r", "--yes"]).status == 0)
        let again = try d.debtctl(["undo", target, "--reason", "r", "--yes"])
        #expect(again.status == 0 && again.stdout.contains("nothing to do"))
        #expect(try d.sql("SELECT count(*)::text FROM events WHERE event_type = 'UNDO'") == [["1"]])
        let orphan = try d.debtctl(["undo", Deployment.id(1001).description, "--reason", "r", "--yes"])
        #expect(orphan.status == 4)
        #expect(orphan.stderr.contains("still has 1 live transaction"))
        let missing = try d.debtctl(["undo", Identifier.random().description, "--reason", "r", "--yes"])
        #expect(missing.status == 1 && missing.stderr.contains("does not exist"))
        let last = try d.debtctl(["undo", "--last", "1", "--user", "bob", "--reason", "r", "--yes", "-o", "json"])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(try d.sql("SELECT count(*)::text FROM transactions_projection WHERE user_id = $1::uuid", [d.bob.description]) == [["0"]])
    }

    @Test("projections: status --check, verify finds drift (exit 3), rebuild repairs it")
    func projections() async throws {
        let d = try await Deployment.make()
        #expect(try d.debtctl(["projections", "status", "--check"]).status == 0)
        let verify = try d.debtctl(["projections", "verify"])
        #expect(verify.status == 0 && verify.stderr.contains("0 drifting rows"))
        _ = try d.sql("UPDATE contacts_projection SET balance = 42 WHERE id = $1::uuid", [Deployment.id(10).description])
        let drift = try d.debtctl(["projections", "verify", "-o", "json"])
        #expect(drift.status == 3)
        let rows = try #require(try JSONValue(parsing: drift.stdout).arrayValue)
        #expect(rows == [.object(["projection": "contacts", "id": .string(Deployment.id(10).description), "problem": "differs", "columns": "balance"])])
        #expect(try d.debtctl(["projections", "rebuild"]).status == 2)
        let rebuilt = try d.debtctl(["projections", "rebuild", "--yes", "-o", "json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try JSONValue(parsing: rebuilt.stdout)["events_processed"] == .integer(9))
        #expect(try d.debtctl(["projections", "verify"]).status == 0)
        _ = try d.sql("UPDATE projection_checkpoints SET position = position - 3")
        let lagging = try d.debtctl(["projections", "status", "--check"])
        #expect(lagging.status == 3 && lagging.stderr.contains("lag 3"))
        #expect(try d.debtctl(["projections", "status", "--check", "--max-lag", "5"]).status == 0)
        #expect(try d.debtctl(["health"]).status == 3)
    }

    @Test("a second rebuild while one holds the lock exits 4")
    func rebuildLocked() async throws {
        let d = try await Deployment.make()
        let holder = try LibPQHolder(d.url)
        let r = try d.debtctl(["projections", "rebuild", "--yes"])
        #expect(r.status == 4 && r.stderr.contains("another projection rebuild is running"))
        _ = holder
    }

    @Test("events tail -f prints an event appended by another process")
    func tailFollow() async throws {
        let d = try await Deployment.make()
        let tail = try CommandRunner.start("debtctl", ["events", "tail", "-f", "-n", "2", "-o", "ndjson"], environment: ["DEBTCTL_DATABASE_URL": d.url])
        defer { tail.signal(SIGKILL); _ = tail.wait() }
        var f = EventFactory(user: d.alice)
        let fresh = f.contactCreated(name: "Late Arrival")
        try await Task.sleep(for: .milliseconds(500))
        _ = try await d.store.append([fresh], options: .client)
        var seen = false
        for _ in 0..<100 where !seen {
            try await Task.sleep(for: .milliseconds(100))
            seen = tail.stdoutSoFar.contains(fresh.id.description)
        }
        #expect(seen, "tail printed: \(tail.stdoutSoFar)")
        let lines = tail.stdoutSoFar.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains("\"position\":8") == true)
    }

    @Test("exit statuses: unreachable 69, usage 2, version 0; | head ends quietly with 0")
    func exitStatuses() async throws {
        let d = try await Deployment.make()
        let down = try CommandRunner.run("debtctl", ["--database", "postgresql://debt:s3cret@127.0.0.1:1/x", "-v", "events", "list"])
        #expect(down.status == 69)
        #expect(down.stderr.contains("127.0.0.1:1"))
        #expect(down.stderr.hasSuffix("debtctl: events list: exit 69 after \(Self.lastMilliseconds(down.stderr) ?? "?") ms\n"), "\(down.stderr)")
        #expect(!down.stderr.contains("s3cret") && !down.stdout.contains("s3cret"))
        #expect(try d.debtctl(["evnts"]).status == 2)
        let version = try CommandRunner.run("debtctl", ["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("debtctl "))
        var f = EventFactory(user: d.alice)
        _ = try await d.store.append((0..<600).map { _ in f.contactCreated(name: String(repeating: "x", count: 150)) }, options: .client)
        let piped = try CommandRunner.run(
            "/bin/bash", ["-c", "\"$0\" events list --limit 0 -o ndjson | head -1 >/dev/null; exit ${PIPESTATUS[0]}", CommandRunner.path(of: "debtctl")],
            environment: ["DEBTCTL_DATABASE_URL": d.url])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr.isEmpty)
    }

    /// The figure of the last "N.N ms" in `text` (what -v prints for its timings), if there is one.
    static func lastMilliseconds(_ text: String) -> String? {
        guard let range = text.range(of: #"[0-9]+\.[0-9] ms"#, options: [.regularExpression, .backwards]) else { return nil }
        return String(text[range].dropLast(3))
    }

    @Test("-v names the backend and gives timings; config files are 0600 and never show tokens")
    func backendAndSecrets() async throws {
        let d = try await Deployment.make()
        let home = NSTemporaryDirectory() + "debt-cfg-" + UUID().uuidString
        let env = ["XDG_CONFIG_HOME": home]
        #expect(try CommandRunner.run("debtctl", ["config", "set", "test", "database", d.url], environment: env).status == 0)
        #expect(try CommandRunner.run("debtctl", ["config", "set", "test", "token", "-"], environment: env, stdin: "tok-SECRET-123\n").status == 0)
        #expect(try CommandRunner.run("debtctl", ["config", "set", "prod", "database", "postgresql://ops:pw-SECRET@db/x"], environment: env).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: home + "/debtctl/config")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let view = try CommandRunner.run("debtctl", ["config", "view"], environment: env)
        #expect(!view.stdout.contains("SECRET") && view.stdout.contains("(set, hidden)") && view.stdout.contains("ops:***@db"))
        let used = try CommandRunner.run("debtctl", ["-v", "users", "list", "-o", "csv", "--fields", "username"], environment: env)
        #expect(used.status == 0, "\(used.stderr)")
        #expect(used.stdout == "username\nalice\nbob\n")
        #expect(used.stderr.contains("using PostgreSQL directly") && used.stderr.contains("profile test"))
        let timings = used.stderr.split(separator: "\n")
        #expect(timings.count == 2 && timings[0].contains("; connection ready in ") && timings[0].hasSuffix(" ms"), "\(used.stderr)")
        #expect(timings.last?.hasPrefix("debtctl: users list: exit 0 after ") == true && timings.last?.hasSuffix(" ms") == true, "\(used.stderr)")
        #expect(!used.stderr.contains("SECRET"))
        let other = try CommandRunner.run("debtctl", ["--profile", "nope", "users", "list"], environment: env)
        #expect(other.status == 2 && other.stderr.contains("no profile 'nope'"))
        try? FileManager.default.removeItem(atPath: home)
    }
}

/// Holds the rebuild lock from another session, as a running rebuild would.
final class LibPQHolder {
    let connection: PQConnectionBox
    init(_ url: String) throws {
        connection = try PQConnectionBox(url)
        _ = try connection.value.querySync("SELECT pg_advisory_lock($1::bigint)", [String(Schema.rebuildLockKey)])
    }
}

import LibPQ

final class PQConnectionBox {
    let value: PQConnection
    init(_ url: String) throws { value = try PQConnection(url) }
}
