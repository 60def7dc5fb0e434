/// A command line that does not fit the table: what is wrong, which argument, and the nearest valid name.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// The whole argument vector (without the program name) and the index of the offending argument.
    public let arguments: [String]
    public let index: Int?
    public let suggestion: String?
    /// The command the error is about, for the "Run '… --help'" hint.
    public let command: [String]?

    public init(_ message: String, arguments: [String], index: Int? = nil, suggestion: String? = nil, command: [String]? = nil) {
        self.message = message
        self.arguments = arguments
        self.index = index
        self.suggestion = suggestion
        self.command = command
    }

    public var description: String { message }

    /// The full text for stderr: the message, the command line with the offending argument marked,
    /// the suggestion, and where to read more.
    public func rendered() -> String {
        var lines = ["debtctl: \(message)"]
        if let index, index < arguments.count {
            var line = "  debtctl"
            var caretAt = 0
            for (i, a) in arguments.enumerated() {
                line += " "
                if i == index { caretAt = line.count }
                line += shellQuoted(a)
            }
            lines.append(line)
            lines.append(String(repeating: " ", count: caretAt) + String(repeating: "^", count: max(1, shellQuoted(arguments[index]).count)))
        }
        if let suggestion { lines.append("Did you mean '\(suggestion)'?") }
        let help = command.map { "debtctl \($0.joined(separator: " ")) --help" } ?? "debtctl help"
        lines.append("Run '\(help)' for usage.")
        return lines.joined(separator: "\n")
    }
}

/// `a` as a shell would need it written (for echoing command lines back).
func shellQuoted(_ a: String) -> String {
    if !a.isEmpty, a.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,@%+".contains($0) }) { return a }
    var out = "'"
    for ch in a { out += ch == "'" ? "'\\''" : String(ch) }
    return out + "'"
}
