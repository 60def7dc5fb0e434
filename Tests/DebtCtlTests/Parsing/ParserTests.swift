import DebtCore
@testable import DebtCtl
import Testing

@Suite("Parser (table-driven, no command runs)")
struct ParserTests {
    static let now = Timestamp(rfc3339: "2026-01-18T12:00:00Z")!

    func parse(_ args: [String]) throws -> Invocation {
        guard case .invocation(let i) = try Parser.parse(args, now: Self.now) else { throw CLIError.usage("no command") }
        return i
    }

    @Test(
        "argv → command, options and positionals",
        arguments: [
            (["events", "list"], ["events", "list"], [:], []),
            (["-o", "json", "events", "list", "--limit", "5"], ["events", "list"], ["output": ["json"], "limit": ["5"]], []),
            (["events", "list", "-ojson", "-n5", "--type=CONTACT_CREATED", "--type", "UNDO,CREATED"], ["events", "list"],
             ["output": ["json"], "limit": ["5"], "type": ["CONTACT_CREATED", "UNDO,CREATED"]], []),
            (["undo", "0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "--reason", "x", "-y", "--dry-run"], ["undo"],
             ["reason": ["x"], "yes": ["true"], "dry-run": ["true"]], ["0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718"]),
            (["events", "tail", "-fv"], ["events", "tail"], ["follow": ["true"], "verbose": ["true"]], []),
            (["--database", "service=prod", "projections", "status", "--check", "--max-lag", "0"], ["projections", "status"],
             ["database": ["service=prod"], "check": ["true"], "max-lag": ["0"]], []),
            (["config", "set", "prod", "database", "--", "-weird-value"], ["config", "set"], [:], ["prod", "database", "-weird-value"]),
            (["--version"], ["version"], [:], []),
            (["events", "list", "--limit", "1", "--limit", "2"], ["events", "list"], ["limit": ["2"]], []),
            (["undo", "--help"], ["undo"], ["help": ["true"]], []),
        ] as [([String], [String], [String: [String]], [String])])
    func parses(_ args: [String], _ path: [String], _ values: [String: [String]], _ positionals: [String]) throws {
        let i = try parse(args)
        #expect(i.command.path == path)
        #expect(i.values == values)
        #expect(i.positionals == positionals)
    }

    @Test(
        "bad command lines: message, offending argument, suggestion",
        arguments: [
            (["evnts", "list"], "unknown command 'evnts'", 0, "events"),
            (["events", "lst"], "unknown command 'lst' for 'events'", 1, "list"),
            (["events", "list", "--tyep", "X"], "unknown option '--tyep' for 'events list'", 2, "--type"),
            (["events", "list", "--type", "CONTACT_CRATED"], "'CONTACT_CRATED' is not an event type", 3, "CONTACT_CREATED"),
            (["events", "list", "--limit", "-3"], "'--limit' needs a whole number of at least 0", 3, nil),
            (["events", "list", "--since", "yesterday"], "'--since' needs a time", 3, nil),
            // Found by fuzzing: an age beyond the clock's range overflowed instead of being refused.
            (["events", "list", "--since", "9999999999d"], "'--since' needs a time", 3, nil),
            (["events", "list", "--until", "9223372036854775807w"], "'--until' needs a time", 3, nil),
            (["events", "list", "-o", "jsn"], "'--output' must be one of", 3, "json"),
            (["events", "list", "--aggregate-id", "nope"], "'--aggregate-id' needs a UUID", 3, nil),
            (["events", "list", "--limit"], "option '--limit' needs a value", 2, nil),
            (["--limit", "5", "events", "list"], "option '--limit' belongs after the command", 0, nil),
            (["events", "show"], "'events show' needs EVENT_ID", nil, nil),
            (["events", "show", "a", "b"], "unexpected argument 'b' for 'events show'", 3, nil),
            (["events", "list", "--reverse=yes"], "option '--reverse' takes no value", 2, nil),
            (["events", "list", "-z"], "unknown option '-z' for 'events list'", 2, nil),
            (["events"], "'events' needs a command: list, show, tail", nil, nil),
        ] as [([String], String, Int?, String?)])
    func refuses(_ args: [String], _ message: String, _ index: Int?, _ suggestion: String?) {
        do {
            _ = try Parser.parse(args, now: Self.now)
            Issue.record("accepted \(args)")
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
            #expect(error.index == index)
            #expect(error.suggestion == suggestion)
        }
    }

    @Test("the rendered error marks the offending argument")
    func rendering() {
        let e = UsageError("unknown option '--tyep'", arguments: ["events", "list", "--tyep", "a b"], index: 2, suggestion: "--type", command: ["events", "list"])
        #expect(e.rendered() == """
            debtctl: unknown option '--tyep'
              debtctl events list --tyep 'a b'
                                  ^^^^^^
            Did you mean '--type'?
            Run 'debtctl events list --help' for usage.
            """)
    }

    @Test("relative and absolute times")
    func times() {
        #expect(TimeArgument.parse("15m", now: Self.now)?.description == "2026-01-18T11:45:00Z")
        #expect(TimeArgument.parse("2d", now: Self.now)?.description == "2026-01-16T12:00:00Z")
        #expect(TimeArgument.parse("2026-01-01", now: Self.now)?.description == "2026-01-01T00:00:00Z")
        #expect(TimeArgument.parse("2026-01-01T10:00:00+01:00", now: Self.now)?.description == "2026-01-01T09:00:00Z")
        #expect(TimeArgument.parse("15x", now: Self.now) == nil)
        #expect(TimeArgument.parse("-5m", now: Self.now) == nil)
    }

    @Test("the table is consistent: unique names, every command has a handler, no short option clashes with a global")
    func tableConsistency() {
        let names = CommandTable.commands.map(\.name)
        #expect(Set(names).count == names.count)
        for c in CommandTable.commands {
            #expect(CLI.handlers[c.path] != nil, "no handler for \(c.name)")
            let shorts = c.options.compactMap(\.short)
            #expect(Set(shorts).count == shorts.count, "\(c.name) repeats a short option")
            for s in shorts { #expect(CommandTable.globalOption(short: s) == nil, "\(c.name) -\(s) clashes with a global option") }
            for o in c.options { #expect(CommandTable.globalOption(named: o.name) == nil, "\(c.name) --\(o.name) shadows a global option") }
        }
    }

    @Test("help is generated from the table: every option of a command appears in its help")
    func help() {
        for c in CommandTable.commands {
            let text = HelpText.command(c)
            for o in c.options { #expect(text.contains("--\(o.name)"), "\(c.name) help lacks --\(o.name)") }
            for p in c.positionals { #expect(text.contains(p.name)) }
        }
        let overview = HelpText.overview()
        for c in CommandTable.commands where !c.hidden { #expect(overview.contains(c.name)) }
        for (code, _) in ExitStatus.table { #expect(overview.contains("  \(code) ")) }
    }

    @Test("connection strings lose their passwords")
    func redaction() {
        #expect(redactedConnectionString("postgresql://ops:s3cret@db:5432/debt") == "postgresql://ops:***@db:5432/debt")
        #expect(redactedConnectionString("host=db password=s3cret user=ops") == "host=db password=*** user=ops")
        #expect(redactedConnectionString("postgresql://ops@db/debt") == "postgresql://ops@db/debt")
    }

    @Test("config files round-trip and reject unknown keys")
    func config() throws {
        let text = "current-profile = prod\n\n[prod]\nserver = https://x\ndatabase = service=p\ntoken = t\n\n[dev]\ndatabase = postgresql://localhost/d\n"
        let c = try ConfigFile.parse(text, path: "cfg")
        #expect(c.currentProfile == "prod")
        #expect(c.order == ["prod", "dev"])
        #expect(c.profiles["prod"]?.token == "t")
        #expect(try ConfigFile.parse(c.text, path: "cfg") == c)
        #expect(throws: CLIError.self) { try ConfigFile.parse("[p]\npassword = x\n", path: "cfg") }
    }
}
