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
    /// The shell session's kept backends; nil for a one-shot command.
    let pool: BackendPool?

    init(invocation: Invocation, terminal: Terminal, pool: BackendPool? = nil) {
        self.invocation = invocation
        self.terminal = terminal
        self.pool = pool
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

    /// "12.3 ms" since `start`, for `-v`.
    func milliseconds(since start: ContinuousClock.Instant) -> String {
        let d = ContinuousClock.now - start
        let tenths = d.components.seconds * 10_000 + d.components.attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) ms"
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

    /// The backend chosen by flags, environment and profile; connects on first use (in the shell,
    /// the session's kept connection for that target).
    func backend() throws -> any Backend {
        if let connected { return connected }
        let target = try Target.resolve(invocation)
        guard invocation.command.backends.contains(target.kind) else {
            throw CLIError.usage("'\(invocation.command.name)' works in \(target.kind == .server ? "direct mode only (give --database)" : "server mode only (give --server)")")
        }
        let started = ContinuousClock.now
        let backend = try pool.map { try $0.backend(for: target, make: connect, note: note) } ?? connect(target)
        let took = verbose ? milliseconds(since: started) : ""
        switch target {
        case .server(let url, let origin, let token):
            note("using the admin API of \(url) (from \(origin))\(token == nil ? ", without a token" : ""); client ready in \(took)")
        case .database(_, let origin):
            note("using PostgreSQL directly: \(backend.endpoint) (from \(origin)); connection ready in \(took)")
        }
        connected = backend
        return backend
    }

    private func connect(_ target: Target) throws -> any Backend {
        switch target {
        case .server(let url, _, let token):
            return try ServerBackend(url: url, token: token)
        case .database(let conninfo, _):
            do {
                return try DirectBackend(conninfo: conninfo)
            } catch let e as SQLError {
                let shown = conninfo.isEmpty ? "libpq defaults (PG* variables)" : redactedConnectionString(conninfo)
                if e.kind == .authentication { throw CLIError.permission("cannot log in to \(shown): \(e.message)") }
                throw CLIError.unavailable("cannot connect to \(shown): \(e.message)")
            }
        }
    }
}

/// The shell's kept connections: one backend per target, reused by every command of the session and
/// reconnected transparently when the server dropped it.
final class BackendPool {
    private var backends: [String: any Backend] = [:]

    func backend(for target: Target, make: (Target) throws -> any Backend, note: (String) -> Void) throws -> any Backend {
        let backend: any Backend
        if let kept = backends[target.key] {
            do {
                if try kept.keepAlive() { note("the connection had dropped; reconnected to \(kept.endpoint)") }
            } catch {
                backends[target.key] = nil
                throw CLIError.unavailable("lost the connection to \(kept.endpoint) and cannot reconnect: \(error)")
            }
            backend = kept
        } else {
            backend = try make(target)
            backends[target.key] = backend
        }
        // Ctrl-C cancels what this connection runs.
        (backend as? DirectBackend)?.connection.armCancellation()
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

    /// Identifies the deployment and credentials (kept in memory only; never printed).
    var key: String {
        switch self {
        case .server(let url, _, let token): return "api \(url) \(token ?? "")"
        case .database(let conninfo, _): return "pg \(conninfo)"
        }
    }

    /// Flags first (`--database`, `--server`, then the profile `--profile` names), then the `DEBTCTL_*`
    /// variables, then the profile `DEBTCTL_PROFILE` or the config file names as current, then libpq's
    /// own defaults. The token: `DEBTCTL_TOKEN`, else the profile's.
    static func resolve(_ invocation: Invocation) throws -> Target {
        let config = try ConfigFile.load()
        let flagged = invocation.string("profile")
        var profile: ConfigFile.Profile?
        var profileName: String?
        if let name = flagged ?? environment("DEBTCTL_PROFILE") ?? config.currentProfile {
            if let p = config.profiles[name] {
                profile = p
                profileName = name
            } else if name != config.currentProfile {
                throw CLIError.usage("no profile '\(name)' in \(ConfigFile.path)")
            }
        }
        let token = environment("DEBTCTL_TOKEN") ?? profile?.token
        func fromProfile() throws -> Target? {
            guard let p = profile, let name = profileName else { return nil }
            if let s = p.server { return .server(url: s, origin: "profile \(name)", token: token) }
            if let d = p.database { return .database(conninfo: d, origin: "profile \(name)") }
            throw CLIError.usage("profile '\(name)' names neither a server nor a database")
        }
        if let d = invocation.string("database") { return .database(conninfo: d, origin: "--database") }
        if let s = invocation.string("server") { return .server(url: s, origin: "--server", token: token) }
        if flagged != nil, let t = try fromProfile() { return t }
        if let d = environment("DEBTCTL_DATABASE_URL") { return .database(conninfo: d, origin: "DEBTCTL_DATABASE_URL") }
        if let s = environment("DEBTCTL_SERVER") { return .server(url: s, origin: "DEBTCTL_SERVER", token: token) }
        if let t = try fromProfile() { return t }
        return .database(conninfo: "", origin: "libpq defaults (PGHOST, PGDATABASE, …)")
    }
}
