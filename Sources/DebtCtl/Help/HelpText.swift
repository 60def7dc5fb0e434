/// `--help` and `debtctl help`, generated from the command table.
enum HelpText {
    static func overview() -> String {
        var out = """
            debtctl: operate a Debt Tracker deployment: its event log, projections and undo.

            usage: debtctl [global options] COMMAND [options] [arguments]

            Commands:

            """
        let visible = CommandTable.commands.filter { !$0.hidden }
        let width = (visible.map { $0.name.count }.max() ?? 10) + 2
        for c in visible { out += "  " + c.name.padding(width) + c.summary + "\n" }
        out += "\nGlobal options:\n" + options(CommandTable.globalOptions)
        out += "\nBackends: --server URL uses the admin API; --database URL (or PG* variables, service=NAME) uses\n"
        out += "PostgreSQL directly. Profiles in \(ConfigFile.path) name both; -v says which served a command.\n"
        out += "\nExit status:\n" + exitStatuses()
        out += "\nRun 'debtctl help COMMAND' or 'debtctl COMMAND --help' for a command's options, 'man debtctl' for more.\n"
        return out
    }

    static func command(_ c: CommandSpec) -> String {
        var out = "usage: \(c.usageLine)\n\n\(c.summary[c.summary.startIndex].uppercased() + c.summary.dropFirst()).\n"
        if !c.details.isEmpty { out += "\n" + c.details + "\n" }
        if !c.positionals.isEmpty {
            out += "\nArguments:\n"
            let w = (c.positionals.map(\.name.count).max() ?? 0) + 4
            for p in c.positionals { out += "  " + p.name.padding(w) + p.help + (p.required ? "" : " (optional)") + "\n" }
        }
        if !c.options.isEmpty { out += "\nOptions:\n" + options(c.options) }
        if c.backends != .none { out += "\nGlobal options:\n" + options(CommandTable.globalOptions) }
        if !c.examples.isEmpty {
            out += "\nExamples:\n"
            for (line, comment) in c.examples { out += "  # \(comment)\n  \(line)\n" }
        }
        out += "\nExit status:\n" + exitStatuses()
        return out
    }

    static func options(_ list: [OptionSpec]) -> String {
        let w = (list.map(\.synopsis.count).max() ?? 0) + 3
        var out = ""
        for o in list {
            var help = o.help
            if case .choice(let values) = o.valueType { help += " (\(values.joined(separator: "|")))" }
            out += "  " + o.synopsis.padding(w) + help + "\n"
        }
        return out
    }

    static func exitStatuses() -> String {
        ExitStatus.table.map { "  " + String($0.0).padding(5) + $0.1 }.joined(separator: "\n") + "\n"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
