public import DebtCore

/// Turns an argument vector into an `Invocation`, driven entirely by `CommandTable`.
///
/// Global options go anywhere; a command's own options go after its words. `--name=value`,
/// `--name value`, `-o json`, `-ojson` and clustered short flags (`-fv`) are understood; `--` ends options.
/// Every value is checked against its type here, so errors point at the argument that is wrong.
public enum Parser {
    public enum Outcome: Equatable {
        case invocation(Invocation)
        /// `debtctl` alone, or only global options.
        case noCommand(globals: [String: [String]])
    }

    public static func parse(_ arguments: [String], now: Timestamp = .now()) throws(UsageError) -> Outcome {
        if arguments == ["--version"], let version = CommandTable.command(["version"]) {
            return .invocation(Invocation(command: version))
        }
        var path: [String] = []
        var command: CommandSpec?
        var values: [String: [String]] = [:]
        var positionals: [String] = []
        var i = 0
        var optionsEnded = false

        func fail(_ message: String, at index: Int?, suggestion: String? = nil) -> UsageError {
            UsageError(message, arguments: arguments, index: index, suggestion: suggestion, command: command?.path)
        }
        func lookup(long name: String, at index: Int) throws(UsageError) -> OptionSpec {
            if let o = command?.option(named: name) ?? CommandTable.globalOption(named: name) { return o }
            let known = ((command?.options ?? []) + CommandTable.globalOptions).map { "--" + $0.name }
            if command == nil, let owner = CommandTable.commands.first(where: { $0.option(named: name) != nil }) {
                throw fail("option '--\(name)' belongs after the command (e.g. 'debtctl \(owner.name) --\(name) …')", at: index)
            }
            let scope = command.map { " for '\($0.name)'" } ?? ""
            throw fail("unknown option '--\(name)'\(scope)", at: index, suggestion: suggestion(for: "--" + name, among: known))
        }
        func lookup(short: Character, at index: Int) throws(UsageError) -> OptionSpec {
            if let o = command?.option(short: short) ?? CommandTable.globalOption(short: short) { return o }
            let scope = command.map { " for '\($0.name)'" } ?? ""
            throw fail("unknown option '-\(short)'\(scope)", at: index)
        }
        func record(_ option: OptionSpec, _ value: String?, at index: Int) throws(UsageError) {
            guard option.takesValue else {
                values[option.name] = ["true"]
                return
            }
            guard let value else { throw fail("option '--\(option.name)' needs a value (\(option.valueName))", at: index) }
            try check(value, for: option, at: index)
            if option.kind == .repeated { values[option.name, default: []].append(value) } else { values[option.name] = [value] }
        }
        func check(_ value: String, for option: OptionSpec, at index: Int) throws(UsageError) {
            switch option.valueType {
            case .text:
                if option.name == "type" {
                    for t in value.split(separator: ",") where EventQuery.TypeFilter(String(t).trimmingWhitespace) == nil {
                        throw fail("'\(t)' is not an event type", at: index, suggestion: suggestion(for: String(t).uppercased(), among: EventType.fullNames))
                    }
                }
            case .integer(let minimum):
                guard let n = Int64(value), n >= minimum else {
                    throw fail("'--\(option.name)' needs a whole number of at least \(minimum), got '\(value)'", at: index)
                }
            case .choice(let allowed):
                guard allowed.contains(value) else {
                    throw fail("'--\(option.name)' must be one of \(allowed.joined(separator: ", ")); got '\(value)'", at: index,
                               suggestion: suggestion(for: value, among: allowed))
                }
            case .identifier:
                guard Identifier(value) != nil else { throw fail("'--\(option.name)' needs a UUID, got '\(value)'", at: index) }
            case .time:
                guard TimeArgument.parse(value, now: now) != nil else {
                    throw fail("'--\(option.name)' needs a time such as 2026-01-18T10:00:00Z, 2026-01-18, 15m, 2h or 7d; got '\(value)'", at: index)
                }
            }
        }

        while i < arguments.count {
            let a = arguments[i]
            if !optionsEnded, a == "--" {
                optionsEnded = true
                i += 1
                continue
            }
            if !optionsEnded, a.hasPrefix("--"), a.count > 2 {
                let body = a.dropFirst(2)
                let name: String
                var inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body)
                }
                let option = try lookup(long: name, at: i)
                if !option.takesValue, inline != nil { throw fail("option '--\(name)' takes no value", at: i) }
                var value = inline
                if option.takesValue, value == nil, i + 1 < arguments.count {
                    i += 1
                    value = arguments[i]
                }
                try record(option, value, at: i)
                i += 1
                continue
            }
            if !optionsEnded, a.hasPrefix("-"), a.count > 1, !(a.dropFirst().first?.isNumber ?? false) {
                var rest = Substring(a.dropFirst())
                while let c = rest.first {
                    rest = rest.dropFirst()
                    let option = try lookup(short: c, at: i)
                    if option.takesValue {
                        var value: String? = rest.isEmpty ? nil : String(rest)
                        if value == nil, i + 1 < arguments.count {
                            i += 1
                            value = arguments[i]
                        }
                        try record(option, value, at: i)
                        break
                    }
                    try record(option, nil, at: i)
                }
                i += 1
                continue
            }
            // A word: part of the command's name until the command is known, then a positional.
            if command == nil {
                let candidate = path + [a]
                if CommandTable.commands.contains(where: { $0.path.starts(with: candidate) }) {
                    path = candidate
                    if let exact = CommandTable.command(path),
                        !CommandTable.commands.contains(where: { $0.path.count > path.count && $0.path.starts(with: path) })
                    {
                        command = exact
                    }
                } else if path.isEmpty {
                    let words = Array(Set(CommandTable.commands.filter { !$0.hidden }.map { $0.path[0] })).sorted()
                    throw fail("unknown command '\(a)'", at: i, suggestion: suggestion(for: a, among: words))
                } else {
                    let subs = CommandTable.commands.filter { $0.path.count == path.count + 1 && $0.path.starts(with: path) }.map { $0.path.last ?? "" }
                    throw UsageError(
                        "unknown command '\(a)' for '\(path.joined(separator: " "))' (it has: \(subs.joined(separator: ", ")))",
                        arguments: arguments, index: i, suggestion: suggestion(for: a, among: subs), command: nil)
                }
            } else {
                positionals.append(a)
            }
            i += 1
        }

        guard let command else {
            if path.isEmpty { return .noCommand(globals: values) }
            let subs = CommandTable.commands.filter { $0.path.count == path.count + 1 && $0.path.starts(with: path) }.map { $0.path.last ?? "" }
            throw UsageError(
                "'\(path.joined(separator: " "))' needs a command: \(subs.joined(separator: ", "))", arguments: arguments,
                index: nil, command: nil)
        }
        if values["help"] == nil {
            let required = command.positionals.filter(\.required).count
            if positionals.count < required {
                let missing = command.positionals[positionals.count]
                throw fail("'\(command.name)' needs \(missing.name) (\(missing.help))", at: nil)
            }
            if positionals.count > command.positionals.count {
                let index = arguments.lastIndex(of: positionals[command.positionals.count])
                throw fail("unexpected argument '\(positionals[command.positionals.count])' for '\(command.name)'", at: index)
            }
        }
        return .invocation(Invocation(command: command, values: values, positionals: positionals))
    }
}
