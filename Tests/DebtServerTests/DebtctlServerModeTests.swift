import DebtCore
import Foundation
import Testing
import TestSupport

@Suite("debtctl against the server (admin API) and directly: the same answers")
struct DebtctlServerModeTests {
    /// A server with some data, an admin profile created by `debtctl login`, and both ways to reach it.
    struct Setup {
        let server: ServerProcess
        let configHome: String

        func viaServer(_ args: [String], stdin: String? = nil) throws -> CommandRunner.Result {
            try CommandRunner.run("debtctl", args, environment: ["XDG_CONFIG_HOME": configHome], stdin: stdin)
        }

        func viaDatabase(_ args: [String]) throws -> CommandRunner.Result {
            try CommandRunner.run("debtctl", ["--database", server.databaseURL] + args, environment: ["XDG_CONFIG_HOME": configHome + "-none"])
        }
    }

    static func setup() async throws -> Setup {
        let s = try await ServerProcess.start()
        let (alice, _) = try await s.login("alice")
        let c = try await s.request("POST", "/api/contacts", token: alice, json: ["name": "Grace", "phone": "+1"])
        let id = c.json["id"] ?? .null
        _ = try await s.request("POST", "/api/transactions", token: alice, json: ["contact_id": id, "amount": 1500, "direction": "lent"])
        _ = try await s.request("POST", "/api/transactions", token: alice, json: ["contact_id": id, "amount": 200, "direction": "owed"])
        _ = try await s.request("PUT", "/api/contacts/\(id.stringValue ?? "")", token: alice, json: ["notes": "colleague"])
        let home = NSTemporaryDirectory() + "debt-xdg-" + UUID().uuidString
        let setup = Setup(server: s, configHome: home)
        let login = try setup.viaServer(["--server", s.url, "login", "--username", "root", "--password-stdin"], stdin: ServerProcess.adminPassword + "\n")
        guard login.status == 0 else { throw ServerFailed(message: "login: \(login.stderr)") }
        return setup
    }

    @Test("login keeps the token in a 0600 profile and never prints it")
    func login() async throws {
        let t = try await Self.setup()
        let mode = try FileManager.default.attributesOfItem(atPath: t.configHome + "/debtctl/config")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let token = try String(contentsOfFile: t.configHome + "/debtctl/config", encoding: .utf8).split(separator: "\n").first { $0.hasPrefix("token = ") }?.dropFirst(8)
        let view = try t.viaServer(["config", "view"])
        #expect(token != nil && !view.stdout.contains(String(token ?? "")))
        let verbose = try t.viaServer(["-v", "events", "list"])
        #expect(verbose.stderr.contains("using the admin API of \(t.server.url)"))
        #expect(verbose.stderr.contains("; client ready in ") && verbose.stderr.contains("debtctl: events list: exit 0 after "), "\(verbose.stderr)")
        #expect(!verbose.stderr.contains(String(token ?? "x")) && !verbose.stdout.contains(String(token ?? "x")))
        let wrong = try t.viaServer(["--server", t.server.url, "login", "--username", "root", "--password-stdin"], stdin: "wrong-password\n")
        #expect(wrong.status == 77)
    }

    @Test(
        "the same output whichever backend serves it",
        arguments: [
            ["events", "list", "--reverse", "-o", "json", "--fields", "position,event_id,type,aggregate_id,user,summary,version,event_data"],
            ["events", "list", "--type", "TRANSACTION_CREATED", "-o", "csv"],
            ["events", "list", "--after", "1", "--limit", "2", "-o", "ndjson", "--fields", "position,type"],
            ["contacts", "list", "-o", "json"],
            ["transactions", "list", "-o", "csv", "--fields", "owner,contact_name,amount,direction"],
            ["balances", "-o", "csv", "--fields", "owner,name,balance"],
            ["users", "list", "-o", "csv", "--fields", "username,is_admin,events,contacts,total"],
            ["projections", "status", "-o", "csv", "--fields", "name,state,checkpoint,head,lag,rows"],
        ])
    func sameOutput(_ args: [String]) async throws {
        let t = try await Self.setup()
        let a = try t.viaServer(args)
        let b = try t.viaDatabase(args)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(a.stdout == b.stdout)
        #expect(!a.stdout.isEmpty)
    }

    @Test("undo through the server: plan, refusal without --yes, append, idempotent; refusals exit 4")
    func undo() async throws {
        let t = try await Self.setup()
        let ids = try t.viaServer(["events", "list", "--type", "TRANSACTION_CREATED", "-o", "ndjson", "--fields", "event_id"]).stdout
            .split(separator: "\n").compactMap { try? JSONValue(parsing: String($0))["event_id"]?.stringValue }
        let target = try #require(ids.first)
        let dry = try t.viaServer(["undo", target, "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("balance of contact"))
        #expect(try t.viaServer(["undo", target, "--reason", "r"]).status == 2)
        let done = try t.viaServer(["undo", target, "--reason", "ticket 9", "--yes", "-o", "json"])
        #expect(done.status == 0, "\(done.stderr)")
        let again = try t.viaServer(["undo", target, "--reason", "ticket 9", "--yes"])
        #expect(again.status == 0 && again.stdout.contains("nothing to do"))
        let creation = try #require(try t.viaServer(["events", "list", "--type", "CONTACT_CREATED", "-o", "ndjson", "--fields", "event_id"]).stdout
            .split(separator: "\n").first.flatMap { try JSONValue(parsing: String($0))["event_id"]?.stringValue })
        let refused = try t.viaServer(["undo", creation, "--reason", "x", "--yes"])
        #expect(refused.status == 4 && refused.stderr.contains("live transaction"))
        let shown = try JSONValue(parsing: try t.viaServer(["events", "show", target, "-o", "json"]).stdout)
        #expect(shown["undone_by"]?.arrayValue?.count == 1)
    }

    @Test("projections and health through the server; exit statuses for an unreachable server and a bad token")
    func projectionsAndHealth() async throws {
        let t = try await Self.setup()
        #expect(try t.viaServer(["projections", "status", "--check"]).status == 0)
        #expect(try t.viaServer(["projections", "verify"]).status == 0)
        let rebuilt = try t.viaServer(["projections", "rebuild", "--yes", "-o", "json"])
        let rebuiltJSON = try JSONValue(parsing: rebuilt.stdout)
        #expect(rebuilt.status == 0 && rebuiltJSON["events_processed"] == .integer(4))
        #expect(try t.viaServer(["health"]).status == 0)
        let down = try CommandRunner.run("debtctl", ["--server", "http://127.0.0.1:1", "health"])
        #expect(down.status == 69)
        let listDown = try CommandRunner.run("debtctl", ["--server", "http://127.0.0.1:1", "events", "list"])
        #expect(listDown.status == 69 && listDown.stderr.contains("127.0.0.1:1"))
        let bad = try CommandRunner.run("debtctl", ["--server", t.server.url, "events", "list"], environment: ["DEBTCTL_TOKEN": "not-a-token"])
        #expect(bad.status == 77)
        let (userToken, _) = try await t.server.login("plain")
        let notAdmin = try CommandRunner.run("debtctl", ["--server", t.server.url, "events", "list"], environment: ["DEBTCTL_TOKEN": userToken])
        #expect(notAdmin.status == 77 && notAdmin.stderr.contains("admin"))
    }
}

@Suite("debtctl events tail -f through the server")
struct DebtctlServerTailTests {
    @Test("a follower through the admin API long-poll sees a new event within a second or two")
    func follow() async throws {
        let t = try await DebtctlServerModeTests.setup()
        let tail = try CommandRunner.start("debtctl", ["events", "tail", "-f", "-n", "1", "-o", "ndjson"], environment: ["XDG_CONFIG_HOME": t.configHome])
        defer { tail.signal(SIGKILL); _ = tail.wait() }
        try await Task.sleep(for: .milliseconds(800))
        let (token, _) = try await t.server.login("bea")
        let started = ContinuousClock.now
        let created = try await t.server.request("POST", "/api/contacts", token: token, json: ["name": "Followed"])
        let id = try #require(created.json["id"]?.stringValue)
        var seen = false
        while !seen, ContinuousClock.now - started < .seconds(10) {
            try await Task.sleep(for: .milliseconds(100))
            seen = tail.stdoutSoFar.contains(id)
        }
        #expect(seen, "\(tail.stdoutSoFar)")
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

@Suite("debtctl shell in server mode")
struct DebtctlServerShellTests {
    @Test("the prompt names the profile and the admin API; Ctrl-C stops a long-polling tail -f; completion reads live users")
    func shell() async throws {
        let t = try await DebtctlServerModeTests.setup()
        let state = NSTemporaryDirectory() + "debt-state-" + UUID().uuidString
        let term = try TmuxTerminal("debtctl", ["shell"], environment: ["XDG_CONFIG_HOME": t.configHome, "XDG_STATE_HOME": state, "PAGER": "cat"])
        // debtctl login stored the server in the "default" profile and made it current.
        try term.waitFor("(api)>")
        try term.type("users show al")
        try term.press("Tab")
        try term.waitFor("the live user name") { $0.hasSuffix("users show alice") }
        try term.press("Enter")
        try term.waitFor("Username: alice")
        try term.enter("events tail -f -n 1")
        // Waiting inside the server's long-poll when Ctrl-C comes.
        try await Task.sleep(for: .milliseconds(1500))
        try term.press("C-c")
        try term.waitFor("debtctl: interrupted", timeout: 5)
        try term.waitFor("(api)>", count: 3)
        try term.enter("balances -o csv")
        try term.waitFor("Grace")
    }
}
