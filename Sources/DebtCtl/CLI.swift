import DebtCore

/// `debtctl`'s entry point: parse against the table, run the command, map errors to exit statuses.
public enum CLI {
    public static let version = "0.1.0"

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
        ["version"]: { ctx in
            try ctx.sink.write("debtctl \(CLI.version) (event store schema \(Schema.latestVersion))\n")
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

    /// Runs one command line (without the program name) and returns the exit status.
    public static func run(arguments: [String]) async -> Int32 {
        let terminal = Terminal.current()
        let invocation: Invocation
        do {
            switch try Parser.parse(arguments) {
            case .invocation(let i):
                invocation = i
            case .noCommand(let globals):
                if globals["help"] != nil || terminal.stdoutIsTTY {
                    print(HelpText.overview(), terminator: "")
                    return ExitStatus.ok
                }
                printError("debtctl: no command given\n" + HelpText.overview())
                return ExitStatus.usage
            }
        } catch {
            printError(error.rendered())
            return ExitStatus.usage
        }
        let ctx = Context(invocation: invocation, terminal: terminal)
        if invocation.flag("help") {
            try? ctx.sink.write(HelpText.command(invocation.command))
            try? ctx.sink.finish()
            return ExitStatus.ok
        }
        guard let handler = handlers[invocation.command.path] else {
            printError("debtctl: '\(invocation.command.name)' is not available in this build")
            return ExitStatus.error
        }
        do {
            let status = try await handler(ctx)
            try ctx.sink.finish()
            return status
        } catch is OutputClosed {
            return ExitStatus.ok
        } catch {
            try? ctx.sink.finish()
            let (status, message) = ExitStatus.of(error)
            printError("debtctl: " + message)
            if status == ExitStatus.usage { printError("Run 'debtctl \(invocation.command.name) --help' for usage.") }
            return status
        }
    }
}
