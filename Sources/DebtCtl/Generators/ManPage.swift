import DebtCore

/// roff man pages generated from the command table plus the prose below: `debtctl(1)` and one page per
/// command group (`debtctl-events(1)` …). Written to `man/` by `scripts/generate-docs`.
enum ManPage {
    static var groups: [String] {
        var seen: [String] = []
        for c in CommandTable.commands where !c.hidden && !["version", "help", "completion"].contains(c.path[0]) && !seen.contains(c.path[0]) {
            seen.append(c.path[0])
        }
        return seen
    }

    /// Page names: `debtctl` and `debtctl-<group>`.
    static var names: [String] { ["debtctl"] + groups.map { "debtctl-" + $0 } }

    static func page(_ name: String) -> String? {
        if name == "debtctl" { return main() }
        guard name.hasPrefix("debtctl-") else { return nil }
        let group = String(name.dropFirst(8))
        let commands = CommandTable.commands.filter { $0.path[0] == group && !$0.hidden }
        return commands.isEmpty ? nil : groupPage(group, commands)
    }

    static func header(_ name: String, _ summary: String) -> String {
        ".TH \(name.uppercased()) 1 \"\" \"debtctl \(CLI.version)\" \"Debt Tracker\"\n.SH NAME\n\(name) \\- \(escape(summary))\n"
    }

    static func main() -> String {
        var out = header("debtctl", "operate a Debt Tracker deployment: its event log, projections and undo")
        out += ".SH SYNOPSIS\n.B debtctl\n[\\fIglobal options\\fR] \\fICOMMAND\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]\n"
        out += ".SH DESCRIPTION\n"
        out += paragraph("""
            debtctl is the operators' tool for the Debt Tracker: it lists and follows the immutable event log, shows an \
            aggregate's history and state, checks projection health, rebuilds and verifies projections, and undoes a \
            mistaken event by appending an UNDO event. Data goes to standard output, diagnostics to standard error.
            """)
        out += ".SH COMMANDS\n"
        for c in CommandTable.commands where !c.hidden {
            let page = groups.contains(c.path[0]) ? " (see \\fBdebtctl-\(c.path[0])\\fR(1))" : ""
            out += ".TP\n.B \(escape(c.name))\n\(escape(c.summary))\(page)\n"
        }
        out += ".SH GLOBAL OPTIONS\n" + options(CommandTable.globalOptions)
        out += ".SH BACKENDS\n"
        out += paragraph("""
            A command reaches a deployment through the server's admin API (\\fB\\-\\-server\\fR \\fIURL\\fR, with an admin \
            token from \\fBdebtctl login\\fR or \\fBDEBTCTL_TOKEN\\fR) or directly through PostgreSQL (\\fB\\-\\-database\\fR \
            \\fIURL\\fR, a libpq URL, key=value string or service=\\fINAME\\fR; with nothing given, libpq's own PG* variables \
            apply as for psql). Both give the same output; \\fB\\-v\\fR says which served a command. The target is chosen \
            in this order: \\fB\\-\\-database\\fR or \\fB\\-\\-server\\fR, the profile \\fB\\-\\-profile\\fR names, \
            \\fBDEBTCTL_DATABASE_URL\\fR or \\fBDEBTCTL_SERVER\\fR, the profile \\fBDEBTCTL_PROFILE\\fR names or the config \
            file's current profile, then libpq's defaults.
            """)
        out += ".SH FILES\n.TP\n.I $XDG_CONFIG_HOME/debtctl/config\n"
        out += escape("Profiles (like kubectl contexts) naming a server, a database and a token; written with mode 0600. Default ~/.config/debtctl/config.") + "\n"
        out += ".TP\n.I $XDG_STATE_HOME/debtctl/history\n"
        out += escape("The shell's history: the last \(ShellHistory.limit) lines (DEBTCTL_HISTORY_SIZE), mode 0600, never a line mentioning a password, token or secret. Default ~/.local/state/debtctl/history.") + "\n"
        out += ".SH ENVIRONMENT\n"
        for (name, text) in [
            ("DEBTCTL_SERVER", "the admin API to use"), ("DEBTCTL_DATABASE_URL", "the PostgreSQL database to use directly"),
            ("DEBTCTL_TOKEN", "the admin token (else the profile's)"), ("DEBTCTL_PROFILE", "the profile to use"),
            ("DEBTCTL_HISTORY_SIZE", "lines of shell history kept (default \(ShellHistory.limit))"),
            ("XDG_CONFIG_HOME, XDG_STATE_HOME", "where the config file and the shell's history live"),
            ("DEBTCTL_PAGER, PAGER", "the pager for long tables on a terminal (default less)"),
            ("NO_COLOR", "never colour output"), ("PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE", "libpq's defaults in direct mode"),
        ] { out += ".TP\n.B \(escape(name))\n\(escape(text))\n" }
        out += exitStatus()
        out += ".SH EXAMPLES\n"
        for c in CommandTable.commands { for (line, comment) in c.examples { out += example(line, comment) } }
        out += ".SH SEE ALSO\n" + groups.map { "\\fBdebtctl-\($0)\\fR(1)" }.joined(separator: ", ") + ", \\fBpsql\\fR(1)\n"
        return out
    }

    static func groupPage(_ group: String, _ commands: [CommandSpec]) -> String {
        var out = header("debtctl-\(group)", commands.count == 1 ? commands[0].summary : commands.map { $0.path.dropFirst().joined(separator: " ") }.joined(separator: ", ") + " of debtctl")
        out += ".SH SYNOPSIS\n"
        for c in commands { out += ".B \(escape(c.usageLine))\n.br\n" }
        for c in commands {
            out += ".SH \(escape(c.name.uppercased()))\n" + text(c.summary.prefix(1).uppercased() + c.summary.dropFirst() + ".")
            if !c.details.isEmpty { out += text(c.details) }
            for p in c.positionals { out += ".TP\n.I \(escape(p.name))\n\(escape(p.help))\(p.required ? "" : " (optional)")\n" }
            out += options(c.options)
        }
        out += ".SH GLOBAL OPTIONS\n" + escape("All of debtctl's global options apply; see debtctl(1).") + "\n"
        out += exitStatus()
        let examples = commands.flatMap(\.examples)
        if !examples.isEmpty {
            out += ".SH EXAMPLES\n"
            for (line, comment) in examples { out += example(line, comment) }
        }
        out += ".SH SEE ALSO\n\\fBdebtctl\\fR(1)\n"
        return out
    }

    static func options(_ list: [OptionSpec]) -> String {
        var out = ""
        for o in list {
            var head = o.short.map { "\\fB\\-\($0)\\fR, " } ?? ""
            head += "\\fB\\-\\-\(escape(o.name))\\fR"
            if o.takesValue { head += " \\fI\(escape(o.valueName))\\fR" }
            var help = escape(o.help)
            if case .choice(let values) = o.valueType { help += " (" + escape(values.joined(separator: "|")) + ")" }
            out += ".TP\n\(head)\n\(help)\n"
        }
        return out
    }

    static func exitStatus() -> String {
        ".SH EXIT STATUS\n" + ExitStatus.table.map { ".TP\n.B \($0.0)\n\(escape($0.1))\n" }.joined()
    }

    static func example(_ line: String, _ comment: String) -> String {
        ".PP\n\(escape(comment.prefix(1).uppercased() + comment.dropFirst())):\n.PP\n.RS 4\n.nf\n\(escape(line))\n.fi\n.RE\n"
    }

    /// A paragraph of hand-written roff (font escapes kept).
    static func paragraph(_ text: String) -> String { ".PP\n" + escapeLines(text) + "\n" }

    /// A paragraph of plain text from the table, fully escaped line by line.
    static func text(_ plain: String) -> String {
        ".PP\n" + plain.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(separator: "\n") + "\n"
    }

    /// Text safe in roff: backslashes and hyphens escaped, no line starting with a control character.
    static func escape(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where !scalar.isASCII:
                // groff reads only ASCII input reliably; name other characters by code point.
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        if out.hasPrefix(".") || out.hasPrefix("'") { out = "\\&" + out }
        return out
    }

    /// Like `escape`, but keeps font escapes the prose above writes on purpose (`\\fB…\\fR`, `\\-`).
    static func escapeLines(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var l = String(line)
            if l.hasPrefix(".") || l.hasPrefix("'") { l = "\\&" + l }
            return l
        }.joined(separator: "\n")
    }
}
