/// One option in the command table: everything parsing, help, completion and man pages need.
public struct OptionSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Present or not: `--dry-run`.
        case flag
        /// Takes one value; given twice, the last wins: `--limit 10`.
        case value
        /// Takes a value and may be given many times: `--type A --type B` (commas also separate).
        case repeated
    }

    /// What a value must look like; checked while parsing so errors point at the argument.
    public enum ValueType: Sendable, Hashable {
        case text
        case integer(min: Int64)
        case choice([String])
        /// A UUID.
        case identifier
        /// RFC 3339, a date, or a relative age such as 15m, 2h, 7d.
        case time
    }

    /// Where the shell and the REPL find candidate values.
    public enum Completion: Sendable, Hashable {
        case none
        case values([String])
        case file
        case profile
        case eventID
        case streamID
        case user
        case projection
    }

    public let name: String
    public let short: Character?
    public let kind: Kind
    public let valueName: String
    public let valueType: ValueType
    public let help: String
    public let completion: Completion

    public init(
        _ name: String, short: Character? = nil, kind: Kind = .flag, valueName: String = "", valueType: ValueType = .text,
        completion: Completion = .none, help: String
    ) {
        self.name = name
        self.short = short
        self.kind = kind
        self.valueName = valueName
        self.valueType = valueType
        self.help = help
        if case .choice(let values) = valueType, completion == .none {
            self.completion = .values(values)
        } else {
            self.completion = completion
        }
    }

    public var takesValue: Bool { kind != .flag }

    /// `-o, --output FORMAT` as shown in help.
    public var synopsis: String {
        var s = short.map { "-\($0), " } ?? "    "
        s += "--\(name)"
        if takesValue { s += " \(valueName)" }
        return s
    }
}

/// A positional argument of a command.
public struct PositionalSpec: Sendable, Hashable {
    public let name: String
    public let help: String
    public let required: Bool
    public let completion: OptionSpec.Completion

    public init(_ name: String, required: Bool = true, completion: OptionSpec.Completion = .none, help: String) {
        self.name = name
        self.required = required
        self.completion = completion
        self.help = help
    }
}
