public import DebtCore

/// A parsed command line: the command, its option values and positionals, checked against the table.
public struct Invocation: Sendable, Equatable {
    public let command: CommandSpec
    /// Option name → values in order (a flag has one value, "true").
    public var values: [String: [String]]
    public var positionals: [String]

    public init(command: CommandSpec, values: [String: [String]] = [:], positionals: [String] = []) {
        self.command = command
        self.values = values
        self.positionals = positionals
    }

    public func flag(_ name: String) -> Bool { values[name] != nil }

    /// The last value given (a value option given twice: the last wins).
    public func string(_ name: String) -> String? { values[name]?.last }

    /// Every value of a repeated option, commas also separating.
    public func strings(_ name: String) -> [String] {
        (values[name] ?? []).flatMap { $0.split(separator: ",").map { String($0).trimmingWhitespace } }.filter { !$0.isEmpty }
    }

    /// An integer option (already range-checked by the parser).
    public func integer(_ name: String) -> Int64? { string(name).flatMap { Int64($0) } }

    /// A time option, resolved against `now` (already checked by the parser).
    public func time(_ name: String, now: Timestamp) -> Timestamp? {
        string(name).flatMap { TimeArgument.parse($0, now: now) }
    }
}

/// Times on the command line: RFC 3339, a date (midnight UTC), or an age before now (`90s`, `15m`, `2h`, `7d`, `2w`).
public enum TimeArgument {
    public static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        if let t = Timestamp(rfc3339: text) { return t }
        if let d = CalendarDate(text) { return Timestamp(rfc3339: d.description + "T00:00:00Z") }
        guard let unit = text.last, let n = Int64(text.dropLast()), n >= 0 else { return nil }
        let unitSeconds: Int64
        switch unit {
        case "s": unitSeconds = 1
        case "m": unitSeconds = 60
        case "h": unitSeconds = 3600
        case "d": unitSeconds = 86400
        case "w": unitSeconds = 7 * 86400
        default: return nil
        }
        // An age too large for the clock (found by fuzzing: `9999999999d` overflowed) is not a time.
        let (micros, o1) = n.multipliedReportingOverflow(by: unitSeconds * 1_000_000)
        let (at, o2) = now.microseconds.subtractingReportingOverflow(micros)
        guard !o1, !o2, at >= 0 else { return nil }
        return Timestamp(microseconds: at)
    }
}
