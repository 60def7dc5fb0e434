import DebtCore
import LibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything a command needs: its invocation, where output goes and how it looks, and the backend.
final class Context {
    let invocation: Invocation
    let terminal: Terminal
    let sink = OutputSink()
    let style: Style
    let format: OutputFormat
    let fields: [String]?
    let verbose: Bool
    let now = Timestamp.now()
    private var connected: (any Backend)?

    init(invocation: Invocation, terminal: Terminal) {
        self.invocation = invocation
        self.terminal = terminal
        format = invocation.string("output").flatMap(OutputFormat.init(rawValue:)) ?? .table
        fields = invocation.string("fields").map { $0.split(separator: ",").map { String($0).trimmingWhitespace } }
        verbose = invocation.flag("verbose")
        let colour = terminal.stdoutIsTTY && !invocation.flag("no-color") && environment("NO_COLOR") == nil && environment("TERM") != "dumb"
        style = Style(enabled: colour)
    }

    /// Pages long table output on a terminal, never when piped or with --no-pager.
    func startPagerIfUseful() {
        guard terminal.stdoutIsTTY, !invocation.flag("no-pager"), format == .table || format == .wide else { return }
        let pager = environment("DEBTCTL_PAGER") ?? environment("PAGER") ?? "less"
        if pager == "cat" || pager.isEmpty { return }
        sink.startPager(pager)
    }

    func note(_ text: String) {
        if verbose { printError("debtctl: " + text) }
    }

    func records(_ columns: [Column]) throws -> RecordWriter {
        try RecordWriter(format: format, columns: columns, fields: fields, sink: sink, style: style, width: terminal.stdoutIsTTY ? terminal.width : nil)
    }

    /// Asks on the terminal; without one, refuses unless `--yes` was given (scripts must say so).
    func confirm(_ question: String) throws -> Bool {
        if invocation.flag("yes") { return true }
        guard terminal.stdinIsTTY else {
            throw CLIError.usage("'\(question)' needs confirmation, and standard input is not a terminal; add --yes to proceed")
        }
        try sink.flush()
        var prompt = Array("\(question) [y/N] ".utf8)
        _ = prompt.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        var answer: [UInt8] = []
        var byte: UInt8 = 0
        while read(0, &byte, 1) == 1, byte != 0x0A { answer.append(byte) }
        let text = String(decoding: answer, as: UTF8.self).trimmingWhitespace.lowercased()
        return text == "y" || text == "yes"
    }

    /// Who is operating, for the metadata of what they append: `debtctl:<login>`.
    var actor: String {
        let login = environment("USER") ?? environment("LOGNAME") ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "unknown"
        return "debtctl:\(login)"
    }

    /// The backend chosen by flags, environment and profile; connects on first use.
    func backend() throws -> any Backend {
        if let connected { return connected }
        let target = try Target.resolve(invocation)
        guard invocation.command.backends.contains(target.kind) else {
            throw CLIError.usage("'\(invocation.command.name)' works in \(target.kind == .server ? "direct mode only (give --database)" : "server mode only (give --server)")")
        }
        let backend: any Backend
        switch target {
        case .server(let url, let origin, let token):
            backend = try ServerBackend(url: url, token: token)
            note("using the admin API of \(url) (from \(origin))\(token == nil ? ", without a token" : "")")
        case .database(let conninfo, let origin):
            do {
                backend = try DirectBackend(conninfo: conninfo)
            } catch let e as SQLError {
                let shown = conninfo.isEmpty ? "libpq defaults (PG* variables)" : redactedConnectionString(conninfo)
                if e.kind == .authentication { throw CLIError.permission("cannot log in to \(shown): \(e.message)") }
                throw CLIError.unavailable("cannot connect to \(shown): \(e.message)")
            }
            note("using PostgreSQL directly: \(backend.endpoint) (from \(origin))")
        }
        connected = backend
        return backend
    }
}

/// Where a command goes: the admin API or PostgreSQL, and what chose it (for `-v`).
enum Target {
    case server(url: String, origin: String, token: String?)
    case database(conninfo: String, origin: String)

    var kind: CommandSpec.Backends {
        if case .server = self { return .server }
        return .database
    }

    /// Flags first, then `DEBTCTL_*` variables, then the profile (`--profile`, `DEBTCTL_PROFILE`, the
    /// current one), then libpq's own defaults. The token: `DEBTCTL_TOKEN`, else the profile's.
    static func resolve(_ invocation: Invocation) throws -> Target {
        let config = try ConfigFile.load()
        let explicit = invocation.string("profile") ?? environment("DEBTCTL_PROFILE")
        var profile: ConfigFile.Profile?
        var profileName: String?
        if let name = explicit ?? config.currentProfile {
            if let p = config.profiles[name] {
                profile = p
                profileName = name
            } else if explicit != nil {
                throw CLIError.usage("no profile '\(name)' in \(ConfigFile.path)")
            }
        }
        let token = environment("DEBTCTL_TOKEN") ?? profile?.token
        if let d = invocation.string("database") { return .database(conninfo: d, origin: "--database") }
        if let s = invocation.string("server") { return .server(url: s, origin: "--server", token: token) }
        if let d = environment("DEBTCTL_DATABASE_URL") { return .database(conninfo: d, origin: "DEBTCTL_DATABASE_URL") }
        if let s = environment("DEBTCTL_SERVER") { return .server(url: s, origin: "DEBTCTL_SERVER", token: token) }
        if let p = profile, let name = profileName {
            if let s = p.server { return .server(url: s, origin: "profile \(name)", token: token) }
            if let d = p.database { return .database(conninfo: d, origin: "profile \(name)") }
            throw CLIError.usage("profile '\(name)' names neither a server nor a database")
        }
        return .database(conninfo: "", origin: "libpq defaults (PGHOST, PGDATABASE, …)")
    }
}
