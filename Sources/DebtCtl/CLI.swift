import DebtCore

/// `debtctl`'s entry point: parse against the table, run the command, map errors to exit statuses.
public enum CLI {
    public static let version = "0.1.0"
    static var versionLine: String { "debtctl \(version) (event store schema \(Schema.latestVersion))" }

    typealias Handler = @Sendable (Context) async throws -> Int32

    static let handlers: [[String]: Handler] = [
        ["events", "list"]: EventsCommands.list,
        ["events", "show"]: EventsCommands.show,
        ["events", "tail"]: EventsCommands.tail,
        ["stream", "show"]: StreamCommand.show,
        ["contacts", "list"]: ReadModelCommands.contactsList,
        ["contacts", "show"]: ReadModelCommands.contactsShow,
        ["transactions", "list"]: ReadModelCommands.transactionsList,
        ["transactions", "show"]: ReadModelCommands.transactionsShow,
        ["balances"]: ReadModelCommands.balances,
        ["users", "list"]: ReadModelCommands.usersList,
        ["users", "show"]: ReadModelCommands.usersShow,
        ["projections", "status"]: ProjectionCommands.status,
        ["projections", "rebuild"]: ProjectionCommands.rebuild,
        ["projections", "verify"]: ProjectionCommands.verify,
        ["undo"]: UndoCommand.run,
        ["health"]: HealthCommand.run,
        ["config", "view"]: ConfigCommands.view,
        ["config", "use"]: ConfigCommands.use,
        ["config", "set"]: ConfigCommands.set,
        ["login"]: LoginCommand.run,
        ["completion"]: { ctx in
            let shell = ctx.invocation.positionals[0]
            guard let script = Completion.script(for: shell) else { throw CLIError.usage("SHELL must be bash, zsh or fish, got '\(shell)'") }
            try ctx.sink.write(script)
            return ExitStatus.ok
        },
        ["shell"]: { ctx in
            guard ctx.pool == nil else { throw CLIError.usage("already in the shell") }
            var globals = ctx.invocation.values
            let keepGoing = globals.removeValue(forKey: "keep-going") != nil
            return await Shell(globals: globals, keepGoing: keepGoing).run()
        },
        ["version"]: { ctx in
            try ctx.sink.write(CLI.versionLine + "\n")
            return ExitStatus.ok
        },
        ["help"]: { ctx in
            let words = ctx.invocation.positionals.flatMap { $0.split(separator: " ").map(String.init) }
            if words.isEmpty {
                try ctx.sink.write(HelpText.overview())
            } else if let c = CommandTable.command(words) {
                try ctx.sink.write(HelpText.command(c))
            } else {
                let group = CommandTable.commands.filter { $0.path.starts(with: words) && !$0.hidden }
                guard !group.isEmpty else { throw CLIError.usage("no command '\(words.joined(separator: " "))'") }
                try ctx.sink.write(group.map { "debtctl \($0.name)  \($0.summary)" }.joined(separator: "\n") + "\n")
            }
            return ExitStatus.ok
        },
    ]

    /// The commands that never wait on I/O (`--version`, and the shells' `__complete` and the docs'
    /// `__man` entry points), run before the program awaits anything: an async call would start the
    /// concurrency runtime's worker threads, which costs about 2 ms of start-up. nil for anything else.
    public static func runImmediately(_ arguments: [String]) -> Int32? {
        switch arguments.first {
        case "--version" where arguments.count == 1, "version" where arguments.count == 1:
            print(versionLine)
            return ExitStatus.ok
        case "__complete":
            return complete(Array(arguments.dropFirst()))
        case "__man":
            return manPages(Array(arguments.dropFirst()))
        default:
            return nil
        }
    }

    static func manPages(_ names: [String]) -> Int32 {
        guard names.count == 1 else {
            for name in ManPage.names { print(name) }
            return ExitStatus.ok
        }
        guard let page = ManPage.page(names[0]) else { return ExitStatus.usage }
        print(page, terminator: "")
        return ExitStatus.ok
    }

    /// Runs one command line (without the program name) and returns the exit status.
    public static func run(arguments: [String]) async -> Int32 {
        // What never waits (--version, and the shells' and the docs' hidden entry points, whose words are
        // not a command line); main runs these before its first await.
        if let status = runImmediately(arguments) { return status }
        let terminal = Terminal.current()
        let invocation: Invocation
        do {
            switch try Parser.parse(arguments) {
            case .invocation(let i):
                invocation = i
            case .noCommand(let globals):
                if globals["help"] != nil {
                    print(HelpText.overview(), terminator: "")
                    return ExitStatus.ok
                }
                if terminal.stdinIsTTY && terminal.stdoutIsTTY {
                    return await Shell(globals: globals, keepGoing: false).run()
                }
                printError("debtctl: no command given\n" + HelpText.overview())
                return ExitStatus.usage
            }
        } catch {
            printError(error.rendered())
            return ExitStatus.usage
        }
        return await execute(invocation, terminal: terminal, pool: nil)
    }

    /// Runs one parsed command and returns its exit status; errors are printed on stderr.
    static func execute(_ invocation: Invocation, terminal: Terminal, pool: BackendPool?) async -> Int32 {
        let ctx = Context(invocation: invocation, terminal: terminal, pool: pool)
        if invocation.flag("help") {
            try? ctx.sink.write(HelpText.command(invocation.command))
            try? ctx.sink.finish()
            return ExitStatus.ok
        }
        guard let handler = handlers[invocation.command.path] else {
            printError("debtctl: '\(invocation.command.name)' is not available \(pool == nil ? "in this build" : "inside the shell")")
            return ExitStatus.error
        }
        let started = ContinuousClock.now
        do {
            let status = try await handler(ctx)
            try ctx.sink.finish()
            if ctx.verbose { ctx.note("\(invocation.command.name): exit \(status) after \(ctx.milliseconds(since: started))") }
            return status
        } catch is OutputClosed {
            return ExitStatus.ok
        } catch {
            try? ctx.sink.finish()
            let (status, message) = ExitStatus.of(error)
            // After the terminal's "^C", on a line of its own.
            printError((status == ExitStatus.interrupted ? "\n" : "") + "debtctl: " + message)
            if status == ExitStatus.usage { printError("Run '\(pool == nil ? "debtctl " : "")\(invocation.command.name) --help' for usage.") }
            if ctx.verbose { ctx.note("\(invocation.command.name): exit \(status) after \(ctx.milliseconds(since: started))") }
            return status
        }
    }

    /// `debtctl __complete WORDS…`: one candidate a line for the last word; live values from the
    /// backend the words name (or the environment's), silently nothing when it cannot be reached.
    static func complete(_ words: [String]) -> Int32 {
        var globals: [String: [String]] = [:]
        var i = 0
        while i + 1 < words.count {
            for name in ["database", "server", "profile"] where words[i] == "--" + name { globals[name] = [words[i + 1]] }
            i += 1
        }
        let ctx = Context(
            invocation: Invocation(command: CommandTable.command(["events", "list"]) ?? CommandTable.commands[0], values: globals),
            terminal: Terminal(stdoutIsTTY: false, stdinIsTTY: false, stderrIsTTY: false, width: 80))
        // Connects only when a live value is asked for (never to complete a command name).
        let live: (OptionSpec.Completion) -> [String] = { kind in (try? ctx.backend().completionValues(kind)) ?? [] }
        for c in Completion.candidates(words.isEmpty ? [""] : words, live: live) { print(c) }
        return ExitStatus.ok
    }
}
