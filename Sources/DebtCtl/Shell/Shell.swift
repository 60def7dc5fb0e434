import DebtCore
import LibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `debtctl shell`: commands of the command line's grammar, one per line, with session settings
/// for the global options and one kept connection per backend. Interactive on a terminal (libedit),
/// script mode otherwise.
final class Shell {
    /// Global option values for the session (`set output json`, `use prod`).
    private(set) var settings: [String: [String]]
    private let keepGoing: Bool
    private let pool = BackendPool()
    private var liveCache: [String: (at: Int64, values: [String])] = [:]

    static let builtins = ["exit", "quit", "set", "unset", "use"]
    /// Live completion values are fetched again after this long.
    static let liveCacheSeconds: Int64 = 10

    init(globals: [String: [String]], keepGoing: Bool) {
        settings = globals.filter { $0.key != "help" }
        self.keepGoing = keepGoing
    }

    func run() async -> Int32 {
        if Terminal.current().stdinIsTTY { return await interactive() }
        return await script()
    }

    // MARK: - Interactive

    private func interactive() async -> Int32 {
        guard let editor = LineEditor(historySize: ShellHistory.size, completer: { [unowned self] in self.completions(before: $0) }) else {
            printError("debtctl: the shell needs libedit (libedit.so.2), which is not installed (apt install libedit2)")
            return ExitStatus.unavailable
        }
        let historyPath = ShellHistory.path
        if let historyPath { editor.loadHistory(from: historyPath) }
        // From here on Ctrl-C stops the running command, not debtctl.
        Interrupts.catchInterrupts()
        printError("debtctl \(CLI.version) shell: 'help' lists commands, 'set' shows settings, Tab completes, 'exit' or Ctrl-D leaves.")
        while true {
            editor.prompt = prompt()
            guard let line = editor.readLine() else {
                printErrorNoNewline("\n")
                return ExitStatus.ok
            }
            if editor.cancelled { continue }
            let text = line.trimmingWhitespace
            if text.isEmpty { continue }
            if ShellHistory.mayKeep(text) {
                editor.remember(text)
                if let historyPath { editor.saveHistory(to: historyPath) }
            }
            if case .exit(let status) = await perform(text) { return status }
        }
    }

    /// `prod(pg)> `: the profile (or `debtctl`) and the backend the next command would use.
    func prompt() -> String {
        guard let command = CommandTable.command(["shell"]), let target = try? Target.resolve(Invocation(command: command, values: settings)) else {
            return "debtctl(?)> "
        }
        var name = "debtctl"
        switch target {
        case .server(_, let origin, _), .database(_, let origin):
            if origin.hasPrefix("profile ") { name = String(origin.dropFirst(8)) }
        }
        return "\(name)(\(target.kind == .server ? "api" : "pg"))> "
    }

    // MARK: - Script mode

    private func script() async -> Int32 {
        var input = LineReader(fd: 0)
        var number = 0
        var firstFailure: Int32?
        while let line = input.next() {
            number += 1
            switch await perform(line) {
            case .exit(let status):
                return firstFailure ?? status
            case .status(let status) where status != ExitStatus.ok:
                printError("debtctl: line \(number) failed (exit \(status))")
                if !keepGoing { return status }
                firstFailure = firstFailure ?? status
            case .status:
                continue
            }
        }
        return firstFailure ?? ExitStatus.ok
    }

    // MARK: - One line

    enum Outcome: Equatable {
        case status(Int32)
        case exit(Int32)
    }

    func perform(_ line: String) async -> Outcome {
        let split = ShellWords(line)
        if let q = split.openQuote {
            printError("debtctl: unterminated \(q) quote")
            return .status(ExitStatus.usage)
        }
        let words = split.words
        guard let first = words.first else { return .status(ExitStatus.ok) }
        switch first {
        case "exit", "quit":
            guard words.count <= 2, let status = words.count == 2 ? Int32(words[1]) : ExitStatus.ok else {
                printError("debtctl: usage: exit [STATUS]")
                return .status(ExitStatus.usage)
            }
            return .exit(status)
        case "set": return .status(set(Array(words.dropFirst())))
        case "unset": return .status(unset(Array(words.dropFirst())))
        case "use": return .status(use(Array(words.dropFirst())))
        default: break
        }
        let invocation: Invocation
        do {
            switch try Parser.parse(words) {
            case .invocation(let i):
                invocation = i
            case .noCommand:
                printError("debtctl: no command given (to set an option for the session: set NAME VALUE)")
                return .status(ExitStatus.usage)
            }
        } catch {
            printError(error.rendered())
            return .status(ExitStatus.usage)
        }
        var merged = invocation
        for (name, values) in settings where merged.values[name] == nil { merged.values[name] = values }
        Interrupts.clear()
        let status = await CLI.execute(merged, terminal: Terminal.current(), pool: pool)
        Interrupts.clear()
        return .status(status)
    }

    /// The global options a session can set, and which of them are flags (on/off).
    static var settable: [OptionSpec] { CommandTable.globalOptions.filter { $0.name != "help" } }

    private func set(_ args: [String]) -> Int32 {
        if args.isEmpty {
            var out = ""
            for o in Shell.settable {
                guard let v = settings[o.name] else { continue }
                let shown = o.takesValue ? v.joined(separator: ",") : "on"
                out += "\(o.name) = \(o.name == "database" || o.name == "server" ? redactedConnectionString(shown) : shown)\n"
            }
            print(out.isEmpty ? "(no settings: every option has its default)" : out, terminator: "")
            return ExitStatus.ok
        }
        guard let option = Shell.settable.first(where: { $0.name == args[0] }) else {
            let names = Shell.settable.map(\.name)
            printError("debtctl: cannot set '\(args[0])'; settable: \(names.joined(separator: ", "))"
                + (suggestion(for: args[0], among: names).map { " (did you mean '\($0)'?)" } ?? ""))
            return ExitStatus.usage
        }
        guard args.count == 2 else {
            printError("debtctl: usage: set \(option.name) \(option.takesValue ? option.valueName : "on|off")")
            return ExitStatus.usage
        }
        if !option.takesValue {
            switch args[1] {
            case "on", "true", "yes": settings[option.name] = ["true"]
            case "off", "false", "no": settings[option.name] = nil
            default:
                printError("debtctl: '\(option.name)' is on or off, got '\(args[1])'")
                return ExitStatus.usage
            }
            return ExitStatus.ok
        }
        // The command line's own checks (choices, numbers), so a bad value is refused the same way.
        do {
            guard case .noCommand(let globals) = try Parser.parse(["--" + option.name, args[1]]), let value = globals[option.name] else {
                return ExitStatus.usage
            }
            settings[option.name] = value
        } catch {
            printError(error.rendered())
            return ExitStatus.usage
        }
        // The server and the database exclude each other; the last one set wins.
        if option.name == "server" { settings["database"] = nil }
        if option.name == "database" { settings["server"] = nil }
        return ExitStatus.ok
    }

    private func unset(_ args: [String]) -> Int32 {
        guard args.count == 1, Shell.settable.contains(where: { $0.name == args[0] }) else {
            printError("debtctl: usage: unset NAME (one of: \(Shell.settable.map(\.name).joined(separator: ", ")))")
            return ExitStatus.usage
        }
        settings[args[0]] = nil
        return ExitStatus.ok
    }

    private func use(_ args: [String]) -> Int32 {
        guard args.count == 1 else {
            printError("debtctl: usage: use PROFILE")
            return ExitStatus.usage
        }
        do {
            let config = try ConfigFile.load()
            guard config.profiles[args[0]] != nil else {
                printError("debtctl: no profile '\(args[0])' in \(ConfigFile.path)"
                    + (suggestion(for: args[0], among: config.order).map { " (did you mean '\($0)'?)" } ?? ""))
                return ExitStatus.usage
            }
        } catch {
            printError("debtctl: " + ExitStatus.of(error).1)
            return ExitStatus.error
        }
        settings["profile"] = [args[0]]
        settings["server"] = nil
        settings["database"] = nil
        return ExitStatus.ok
    }

    // MARK: - Completion

    /// The word being typed at the end of `text` and what it can become.
    func completions(before text: String) -> (word: String, candidates: [String]) {
        var words = ShellWords(text)
        if !words.endsInWord { words.words.append("") }
        let all = words.words
        let word = all.last ?? ""
        let candidates: [String]
        switch all.first {
        case _ where all.count == 1:
            candidates = (Shell.builtins.filter { $0.hasPrefix(word) } + Completion.candidates([word], live: nil)).sorted()
        case "set" where all.count == 2, "unset" where all.count == 2:
            let names = all[0] == "set" ? Shell.settable.map(\.name) : settings.keys.sorted()
            candidates = names.filter { $0.hasPrefix(word) }
        case "set" where all.count == 3:
            if let o = Shell.settable.first(where: { $0.name == all[1] }), !o.takesValue {
                candidates = ["off", "on"].filter { $0.hasPrefix(word) }
            } else {
                candidates = Completion.candidates(["--" + all[1], word], live: nil)
            }
        case "use" where all.count == 2:
            candidates = Completion.candidates(["--profile", word], live: nil)
        case "set", "unset", "use", "exit", "quit":
            candidates = []
        default:
            candidates = Completion.candidates(all, live: liveValues)
        }
        return (word, candidates)
    }

    /// Recent event ids, streams and user names from the session's backend, cached briefly.
    private func liveValues(_ kind: OptionSpec.Completion) -> [String] {
        var values = settings
        values["verbose"] = nil
        guard let command = CommandTable.command(["events", "list"]) else { return [] }
        let ctx = Context(invocation: Invocation(command: command, values: values), terminal: Terminal.current(), pool: pool)
        guard let target = try? Target.resolve(ctx.invocation) else { return [] }
        let key = "\(target.key) \(kind)"
        let now = Timestamp.now().microseconds / 1_000_000
        if let cached = liveCache[key], now - cached.at < Shell.liveCacheSeconds { return cached.values }
        guard let backend = try? ctx.backend(), let fetched = try? backend.completionValues(kind) else { return [] }
        liveCache[key] = (now, fetched)
        return fetched
    }
}

/// Lines from a file descriptor, read in blocks (script mode; no C stdio).
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var atEnd = false

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            var block = [UInt8](repeating: 0, count: 4096)
            let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                atEnd = true
            } else {
                buffer.append(contentsOf: block[..<n])
            }
        }
    }
}
