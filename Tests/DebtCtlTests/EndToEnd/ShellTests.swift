import DebtCore
import Foundation
import LibPQ
import Testing
import TestSupport

/// `debtctl shell` in a real pseudo-terminal (tmux) on the harness's PostgreSQL, and in script mode.
@Suite("debtctl shell")
struct ShellTests {
    /// The prompt as the screen shows it (tmux drops trailing blanks).
    static let prompt = "debtctl(pg)>"

    /// A shell on `d` with its own config and state directories.
    static func shell(_ d: Deployment, state: URL, arguments: [String] = ["shell"], env: [String: String] = [:]) throws -> TmuxTerminal {
        let t = try TmuxTerminal(
            "debtctl", arguments,
            environment: ["DEBTCTL_DATABASE_URL": d.url, "XDG_STATE_HOME": state.path, "XDG_CONFIG_HOME": state.path, "PAGER": "cat"].merging(env) { $1 })
        try t.waitFor(prompt)
        return t
    }

    static func tempDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("debtctl-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("Tab completes a command, an option value and a live event id; the commands run")
    func completion() async throws {
        let d = try await Deployment.make()
        let t = try Self.shell(d, state: try Self.tempDirectory())
        try t.type("ev")
        try t.press("Tab")
        try t.waitFor("completion of 'ev'") { $0.hasSuffix(Self.prompt + " events") }
        try t.type("li")
        try t.press("Tab")
        try t.type("--aggregate tr")
        try t.press("Tab")
        try t.waitFor("completion of the option value") { $0.hasSuffix("events list --aggregate transaction") }
        try t.type("-o js")
        try t.press("Tab")
        try t.press("Enter")
        // Five transaction events, as JSON: the completed line ran.
        let listed = try t.waitFor("\"aggregate_type\":\"transaction\"", count: 6)
        #expect(!listed.contains("\"aggregate_type\":\"contact\""))
        let target = Deployment.id(1006).description
        try t.type("events show " + target.prefix(13))
        try t.press("Tab")
        try t.waitFor("the live event id") { $0.hasSuffix("events show " + target) }
        try t.press("Enter")
        try t.waitFor("Version:")
        #expect(try t.screen().contains("Event:      " + target))
        // Several candidates are listed.
        try t.type("projections ")
        try t.press("Tab")
        try t.waitFor("the list of projections subcommands") { s in ["rebuild", "status", "verify"].allSatisfy { s.contains($0) } }
    }

    @Test("history: recalled in the next session, bounded, 0600, never a line with a secret")
    func history() async throws {
        let d = try await Deployment.make()
        let state = try Self.tempDirectory()
        do {
            let t = try Self.shell(d, state: state)
            try t.enter("events list --limit 1 --type CONTACT_CREATED")
            try t.waitFor(Self.prompt, count: 2)
            try t.enter("events list --search 'password=hunter2'")
            try t.waitFor(Self.prompt, count: 3)
            try t.press("C-d")
            try t.waitFor("[exited 0]")
        }
        let file = state.appendingPathComponent("debtctl/history")
        let saved = try String(contentsOf: file, encoding: .utf8)
        #expect(saved.contains("--limit") && saved.contains("CONTACT_CREATED"))
        #expect(!saved.contains("hunter2"))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Bounded: with room for two lines, the oldest of three drops off.
        let small = try Self.tempDirectory()
        do {
            let t = try Self.shell(d, state: small, env: ["DEBTCTL_HISTORY_SIZE": "2"])
            for n in 1...3 {
                try t.enter("users show alice --fields \(n == 1 ? "username" : n == 2 ? "events" : "total")")
                try t.waitFor(Self.prompt, count: n + 1)
            }
            try t.press("C-d")
            try t.waitFor("[exited 0]")
        }
        let bounded = try String(contentsOf: small.appendingPathComponent("debtctl/history"), encoding: .utf8)
        #expect(!bounded.contains("username") && bounded.contains("events") && bounded.contains("total"))

        let t = try Self.shell(d, state: state)
        try t.press("Up")
        try t.waitFor("the recalled line") { $0.hasSuffix(Self.prompt + " events list --limit 1 --type CONTACT_CREATED") }
        try t.press("Enter")
        try t.waitFor("Aiko Tanaka")
    }

    @Test("Ctrl-C stops events tail -f and returns to the prompt; Ctrl-C at the prompt drops the line")
    func interrupt() async throws {
        let d = try await Deployment.make()
        let t = try Self.shell(d, state: try Self.tempDirectory())
        try t.enter("events tail -f -n 1")
        try t.waitFor("bob")
        // Still following: an event appended by another process shows up.
        _ = try await d.store.append(
            [Event(id: .random(), aggregateType: .contact, aggregateID: .random(), eventType: .created, data: ["name": "Live Arrival"], timestamp: .now(), version: 1, userID: d.bob)],
            options: .admin)
        try t.waitFor("Live Arrival")
        try t.press("C-c")
        try t.waitFor("debtctl: interrupted")
        try t.waitFor(Self.prompt, count: 2, timeout: 5)
        try t.type("contacts list --limit 0 --no-pager")
        try t.press("C-c")
        try t.waitFor(Self.prompt, count: 3)
        try t.enter("balances")
        try t.waitFor("Maria Garcia")
        let screen = try t.screen()
        #expect(screen.contains("contacts list --limit 0 --no-pager^C"))
        #expect(!screen.contains("PHONE"))
    }

    @Test("settings, use PROFILE and the prompt; a dropped connection is reconnected transparently")
    func settingsAndReconnect() async throws {
        let d = try await Deployment.make()
        let state = try Self.tempDirectory()
        let t = try Self.shell(d, state: state)
        try t.enter("set output ndjson")
        try t.enter("events list --limit 1")
        try t.waitFor("\"aggregate_id\":\"")
        try t.enter("set output xml")
        try t.waitFor("must be one of table, wide, json, ndjson, csv")
        // Kill the session's connection from outside; the next command reconnects by itself.
        let killed = try d.sql("SELECT count(pg_terminate_backend(pid, 5000))::text FROM pg_stat_activity WHERE application_name = 'debtctl' AND datname = current_database()")
        #expect(killed == [["1"]])
        try t.enter("users list -o csv")
        try t.waitFor("alice,")
        #expect(!(try t.screen().contains("terminat")))
        // A profile switches the target and the prompt.
        let config = state.appendingPathComponent("debtctl/config")
        try FileManager.default.createDirectory(at: config.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "[ops]\ndatabase = \(d.url)\n".write(to: config, atomically: true, encoding: .utf8)
        try t.enter("use nope")
        try t.waitFor("no profile 'nope'")
        try t.enter("unset output")
        try t.enter("use ops")
        try t.waitFor("ops(pg)>")
        try t.enter("exit 3")
        try t.waitFor("[exited 3]")
    }

    @Test("script mode: stops at the first failure with its status, or runs everything with --keep-going")
    func scriptMode() async throws {
        let d = try await Deployment.make()
        let script = """
            # a comment, then a blank line

            users list -o csv --fields username
            events show not-a-uuid
            balances -o csv --fields name
            """
        let stopped = try d.debtctl(["shell"], stdin: script)
        #expect(stopped.status == 2)
        #expect(stopped.stdout.contains("alice") && !stopped.stdout.contains("Maria Garcia"))
        #expect(stopped.stderr.contains("line 4 failed (exit 2)"))
        #expect(!stopped.stdout.contains(Self.prompt) && !stopped.stderr.contains(Self.prompt))
        let all = try d.debtctl(["shell", "--keep-going"], stdin: script)
        #expect(all.status == 2)
        #expect(all.stdout.contains("Maria Garcia"))
        let fine = try d.debtctl(["shell"], stdin: "set output json\nhealth\nprojections status --check\n")
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(fine.stdout.hasPrefix("["))
        let unterminated = try d.debtctl(["shell"], stdin: "events list --search 'open\n")
        #expect(unterminated.status == 2 && unterminated.stderr.contains("unterminated ' quote"))
        let nested = try d.debtctl(["shell"], stdin: "shell\n")
        #expect(nested.status == 2 && nested.stderr.contains("already in the shell"))
        // Without a terminal, 'debtctl' alone still refuses instead of waiting for input.
        #expect(try d.debtctl([], stdin: "balances\n").status == 2)
    }
}
