public import DebtCore

/// The one table of `debtctl`'s commands and options. Parsing, `--help`, usage errors, completions and
/// man pages are all generated from it.
public enum CommandTable {
    public static let outputFormats = ["table", "wide", "json", "ndjson", "csv"]

    public static let globalOptions: [OptionSpec] = [
        OptionSpec("server", kind: .value, valueName: "URL", help: "use the server's admin API at URL (env DEBTCTL_SERVER)"),
        OptionSpec(
            "database", kind: .value, valueName: "URL",
            help: "use PostgreSQL directly: a URL, key=value string or service=NAME (env DEBTCTL_DATABASE_URL; PG* variables apply)"),
        OptionSpec("profile", kind: .value, valueName: "NAME", completion: .profile, help: "use a profile from the config file (env DEBTCTL_PROFILE)"),
        OptionSpec("output", short: "o", kind: .value, valueName: "FORMAT", valueType: .choice(outputFormats), help: "output format"),
        OptionSpec("fields", kind: .value, valueName: "LIST", help: "comma-separated fields to show, in this order"),
        OptionSpec("no-color", help: "never colour output (also NO_COLOR, TERM=dumb)"),
        OptionSpec("no-pager", help: "never page output (pager: DEBTCTL_PAGER, PAGER, else less -FRX)"),
        OptionSpec("verbose", short: "v", help: "say on stderr which backend served the command, and timings"),
        OptionSpec("help", short: "h", help: "show help for the command"),
    ]

    static let eventFilters: [OptionSpec] = [
        OptionSpec(
            "type", kind: .repeated, valueName: "TYPE", valueType: .text,
            completion: .values(EventType.fullNames + EventType.allCases.map(\.rawValue)),
            help: "event type: CONTACT_CREATED … or CREATED (any aggregate); repeatable"),
        OptionSpec("aggregate", kind: .value, valueName: "KIND", valueType: .choice(AggregateType.allCases.map(\.rawValue)), help: "only contact or transaction events"),
        OptionSpec("stream", kind: .value, valueName: "STREAM", completion: .streamID, help: "only this stream: contact-<id> or transaction-<id>"),
        OptionSpec("aggregate-id", kind: .value, valueName: "ID", valueType: .identifier, help: "only events of this aggregate"),
        OptionSpec("user", kind: .value, valueName: "USER", completion: .user, help: "only this user's events (name or id)"),
        OptionSpec("since", kind: .value, valueName: "TIME", valueType: .time, help: "recorded at or after TIME (2026-01-18T10:00:00Z, 2026-01-18, 15m, 2h, 7d)"),
        OptionSpec("until", kind: .value, valueName: "TIME", valueType: .time, help: "recorded before TIME"),
        OptionSpec("after", kind: .value, valueName: "POSITION", valueType: .integer(min: 0), help: "positions after POSITION, oldest first (a cursor)"),
        OptionSpec("before", kind: .value, valueName: "POSITION", valueType: .integer(min: 1), help: "positions before POSITION"),
        OptionSpec("search", kind: .value, valueName: "TEXT", help: "case-insensitive text in the event data"),
    ]

    static let limit = OptionSpec("limit", short: "n", kind: .value, valueName: "N", valueType: .integer(min: 0), help: "at most N rows (0: no limit; default 50)")
    static let userFilter = OptionSpec("user", kind: .value, valueName: "USER", completion: .user, help: "only this user's (name or id)")
    static let dryRun = OptionSpec("dry-run", help: "show what would happen, change nothing")
    static let yes = OptionSpec("yes", short: "y", help: "do not ask for confirmation (scripts)")

    public static let commands: [CommandSpec] = [
        CommandSpec(
            ["events", "list"], summary: "list events of the log, filtered",
            details: """
                Rows stream from the database as they arrive, so a result of any size never sits in memory.
                Without --after the newest events come first; with --after (a cursor) the oldest after it come first.
                --reverse flips either order.
                """,
            options: eventFilters + [limit, OptionSpec("reverse", help: "flip the order")],
            examples: [
                ("debtctl events list --type CONTACT_DELETED --since 2h", "contacts deleted in the last two hours"),
                ("debtctl events list --user alice --search 'rent' -o json", "alice's events mentioning rent, as JSON"),
                ("debtctl events list --after 1200 --limit 0 -o ndjson > events.ndjson", "export everything after a position"),
            ]),
        CommandSpec(
            ["events", "show"], summary: "show one event: envelope, data, metadata, undo links",
            positionals: [PositionalSpec("EVENT_ID", completion: .eventID, help: "the event's id")],
            examples: [("debtctl events show 0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "who appended it, why, and what undid it")]),
        CommandSpec(
            ["events", "tail"], summary: "show the latest events, then follow new ones with -f",
            details: "Direct mode follows through PostgreSQL LISTEN, server mode through a long-poll of the admin API; nothing polls on a timer. Ctrl-C stops.",
            options: [
                OptionSpec("follow", short: "f", help: "keep printing events as they are appended"),
                OptionSpec("lines", short: "n", kind: .value, valueName: "N", valueType: .integer(min: 0), help: "how many recent events to show first (default 10)"),
                userFilter,
            ],
            examples: [("debtctl events tail -f --user alice", "watch alice's writes live")]),
        CommandSpec(
            ["stream", "show"], summary: "an aggregate's history, current state and balance",
            positionals: [PositionalSpec("STREAM", completion: .streamID, help: "contact-<id> or transaction-<id>")],
            examples: [("debtctl stream show contact-6f1c2a5e-8a55-4d0e-9b53-0a8b1f2d3c4e", "every event of a contact and where it stands")]),
        CommandSpec(
            ["contacts", "list"], summary: "contacts of all users, with balances",
            options: [userFilter, OptionSpec("deleted", help: "include deleted contacts"), OptionSpec("search", kind: .value, valueName: "TEXT", help: "text in the name, phone or email"), limit]),
        CommandSpec(
            ["contacts", "show"], summary: "one contact with its transactions",
            positionals: [PositionalSpec("CONTACT_ID", help: "the contact's id")]),
        CommandSpec(
            ["transactions", "list"], summary: "transactions of all users",
            options: [userFilter, OptionSpec("contact", kind: .value, valueName: "ID", valueType: .identifier, help: "only this contact's"), OptionSpec("deleted", help: "include deleted transactions"), limit]),
        CommandSpec(
            ["transactions", "show"], summary: "one transaction",
            positionals: [PositionalSpec("TRANSACTION_ID", help: "the transaction's id")]),
        CommandSpec(["balances"], summary: "balance per contact and total per user", options: [userFilter, limit]),
        CommandSpec(["users", "list"], summary: "user accounts", options: [limit]),
        CommandSpec(
            ["users", "show"], summary: "one user account with its event count and total",
            positionals: [PositionalSpec("USER", completion: .user, help: "name or id")]),
        CommandSpec(
            ["projections", "status"], summary: "each projection's checkpoint, lag, rows and state",
            details: "With --check the exit status says whether the projections are healthy: 0 yes, 3 lagging, stalled or failed, 1 on error.",
            options: [
                OptionSpec("check", help: "exit 3 unless every projection is healthy (for CI and monitoring)"),
                OptionSpec("max-lag", kind: .value, valueName: "N", valueType: .integer(min: 0), help: "with --check, events of lag tolerated (default 0)"),
            ],
            examples: [("debtctl projections status --check --max-lag 100 || page-oncall", "gate on projection health")]),
        CommandSpec(
            ["projections", "rebuild"], summary: "rebuild projections from the log, without downtime",
            details: """
                Builds new tables beside the live ones from the whole log, catches up with events appended meanwhile,
                and swaps them in one transaction: readers never see half a state. An interrupted rebuild (Ctrl-C, kill)
                leaves the live projections serving. Only one rebuild runs at a time; a second one exits 4. The log is
                read on two connections (the transactions in two halves of their ids, sorted at once) while a third
                writes the new tables (the contacts' rows go on the second once its half is read; on fewer connections
                where the server refuses more). PostgreSQL may sort each half with up to 256 MB of memory (work_mem),
                on disk beyond that; debtctl holds a few pages of events and a running balance per contact.
                """,
            options: [OptionSpec("all", help: "rebuild every projection (the default)"), dryRun, yes],
            positionals: [PositionalSpec("NAME", required: false, completion: .projection, help: "contacts or transactions (both are rebuilt together)")],
            examples: [("debtctl projections rebuild --yes", "rebuild from a script")]),
        CommandSpec(
            ["projections", "verify"], summary: "replay the log and list every projection row that drifts",
            details: """
                Exit 0 when the projections equal the replay of the log, 3 when any row drifts. Runs on one connection,
                in one snapshot, into temporary tables. Like rebuild, PostgreSQL may sort the log with up to 256 MB of
                memory (work_mem), on disk beyond that.
                """,
            examples: [("debtctl projections verify -o json", "drift report for a ticket")]),
        CommandSpec(
            ["undo"], summary: "undo an event (appends an UNDO; nothing is deleted)",
            details: """
                Shows the plan first: the aggregate before and after, and every balance that changes. Asks for confirmation
                on a terminal unless --yes. Records who and why. Undoing an already undone event changes nothing (exit 0).
                Undoing an UNDO redoes. Refuses, with the reason, what would leave inconsistent data, such as removing a
                contact that still has live transactions (exit 4).
                """,
            options: [
                OptionSpec("reason", kind: .value, valueName: "TEXT", help: "why (required; stored in the UNDO's metadata)"),
                OptionSpec("last", kind: .value, valueName: "N", valueType: .integer(min: 1), help: "undo the N newest events instead of one id"),
                userFilter,
                OptionSpec("since", kind: .value, valueName: "TIME", valueType: .time, help: "with --last, only events recorded since TIME"),
                dryRun, yes,
            ],
            positionals: [PositionalSpec("EVENT_ID", required: false, completion: .eventID, help: "the event to undo")],
            examples: [
                ("debtctl undo 0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718 --reason 'ticket 4411: entered twice' --dry-run", "see the plan"),
                ("debtctl undo --last 1 --user alice --reason 'ticket 4412' --yes", "undo alice's latest event from a script"),
            ]),
        CommandSpec(
            ["health"], summary: "database reachable, schema version, projection lag",
            details: "Exit 0 healthy, 3 unhealthy (schema behind or projections lagging), 69 unreachable."),
        CommandSpec(
            ["login"], summary: "log in to a server as an admin and keep the token in the profile",
            details: "Asks for the password without echoing it (or reads it from standard input with --password-stdin). The token is stored in the profile's config file (mode 0600) and never printed.",
            options: [
                OptionSpec("username", kind: .value, valueName: "NAME", help: "the admin account (asked for when omitted)"),
                OptionSpec("password-stdin", help: "read the password from standard input (scripts)"),
            ],
            examples: [("debtctl --profile prod --server https://debt.example.com login --username ops", "log in and remember the server")],
            backends: .none),
        CommandSpec(
            ["shell"], summary: "interactive shell: the same commands, one kept connection, history, completion",
            details: """
                Runs commands with the command line's grammar; 'debtctl' alone on a terminal starts it too. The prompt names
                the profile and backend (prod(pg)>, prod(api)>). 'set NAME VALUE' sets a global option for the session
                (set output json, set verbose on), 'unset NAME' clears it, 'use PROFILE' switches profile, 'set' alone shows
                the settings, 'exit' or Ctrl-D leaves. Ctrl-C stops the running command (a tail -f, a long list), not the
                shell. Tab completes commands, options, their values and, from the current backend, recent event ids,
                streams and user names. History is kept in $XDG_STATE_HOME/debtctl/history (the last 1000 lines; a line
                mentioning a password, token or secret is never saved); Ctrl-R searches it. When standard input is not a
                terminal, reads one command per line (script mode; '#' starts a comment) and stops at the first failure
                with its exit status, unless --keep-going.
                """,
            options: [OptionSpec("keep-going", help: "script mode: run every line after a failure too (the exit status is still the first failure's)")],
            examples: [
                ("debtctl --profile prod shell", "an interactive session on the prod profile"),
                ("debtctl --database \"$DATABASE_URL\" shell --keep-going < checks.debtctl", "run a file of commands, all of them"),
            ],
            backends: .none),
        CommandSpec(["version"], summary: "print debtctl's version", backends: .none),
        CommandSpec(
            ["completion"], summary: "print the shell completion script for bash, zsh or fish",
            details: "Candidates come from 'debtctl __complete', which reads this command table and, for event ids, streams and users, the current backend.",
            positionals: [PositionalSpec("SHELL", completion: .values(["bash", "zsh", "fish"]), help: "bash, zsh or fish")],
            examples: [
                ("debtctl completion bash > /etc/bash_completion.d/debtctl", "install bash completion"),
                ("debtctl completion zsh > \"${fpath[1]}/_debtctl\"", "install zsh completion"),
            ],
            backends: .none),
        CommandSpec(
            ["help"], summary: "show help for a command",
            positionals: [PositionalSpec("COMMAND", required: false, help: "e.g. 'events list'")], backends: .none),
        CommandSpec(
            ["config", "view"], summary: "show the config file's profiles (tokens and passwords redacted)", backends: .none),
        CommandSpec(
            ["config", "use"], summary: "make a profile the current one",
            positionals: [PositionalSpec("PROFILE", completion: .profile, help: "profile name")], backends: .none),
        CommandSpec(
            ["config", "set"], summary: "set a profile's server, database or token",
            details: "Creates the profile if needed. The file is written with mode 0600. Prefer 'debtctl login' for tokens.",
            positionals: [
                PositionalSpec("PROFILE", completion: .profile, help: "profile name"),
                PositionalSpec("KEY", completion: .values(["server", "database", "token"]), help: "server, database or token"),
                PositionalSpec("VALUE", help: "the value ('-' reads it from standard input)"),
            ], backends: .none),
    ]

    /// The groups (first words) that only have subcommands.
    public static var groups: [String] {
        var seen: [String] = []
        for c in commands where c.path.count > 1 && !seen.contains(c.path[0]) { seen.append(c.path[0]) }
        return seen
    }

    public static func command(_ path: [String]) -> CommandSpec? { commands.first { $0.path == path } }

    public static func globalOption(named name: String) -> OptionSpec? { globalOptions.first { $0.name == name } }
    public static func globalOption(short: Character) -> OptionSpec? { globalOptions.first { $0.short == short } }
}
