/// One command in the table: its words, its options and positionals, its help and examples.
public struct CommandSpec: Sendable, Hashable {
    /// The words that name it: `["events", "list"]`.
    public let path: [String]
    public let summary: String
    /// Paragraphs after the summary in `--help` and the man page.
    public let details: String
    public let options: [OptionSpec]
    public let positionals: [PositionalSpec]
    /// Command lines a support engineer would copy, each with a comment.
    public let examples: [(String, String)]
    /// Which backends can serve it.
    public let backends: Backends
    /// Hidden commands are callable but not listed (`__complete`).
    public let hidden: Bool

    public struct Backends: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let database = Backends(rawValue: 1)
        public static let server = Backends(rawValue: 2)
        public static let none: Backends = []
        public static let both: Backends = [.database, .server]
    }

    public init(
        _ path: [String], summary: String, details: String = "", options: [OptionSpec] = [],
        positionals: [PositionalSpec] = [], examples: [(String, String)] = [], backends: Backends = .both,
        hidden: Bool = false
    ) {
        self.path = path
        self.summary = summary
        self.details = details
        self.options = options
        self.positionals = positionals
        self.examples = examples
        self.backends = backends
        self.hidden = hidden
    }

    public var name: String { path.joined(separator: " ") }

    public static func == (a: CommandSpec, b: CommandSpec) -> Bool { a.path == b.path }
    public func hash(into h: inout Hasher) { h.combine(path) }

    public func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }
    public func option(short: Character) -> OptionSpec? { options.first { $0.short == short } }

    /// `debtctl events list [options]` / `debtctl undo EVENT_ID [options]`.
    public var usageLine: String {
        var s = "debtctl " + name
        for p in positionals { s += p.required ? " \(p.name)" : " [\(p.name)]" }
        if !options.isEmpty { s += " [options]" }
        return s
    }
}
