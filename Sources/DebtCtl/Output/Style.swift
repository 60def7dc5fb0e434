/// ANSI styling, or none: colour only on a terminal, never with NO_COLOR, TERM=dumb or --no-color.
struct Style {
    let enabled: Bool

    func bold(_ s: String) -> String { wrap(s, "1") }
    func dim(_ s: String) -> String { wrap(s, "2") }
    func red(_ s: String) -> String { wrap(s, "31") }
    func green(_ s: String) -> String { wrap(s, "32") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func cyan(_ s: String) -> String { wrap(s, "36") }

    private func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// The colour an event type is shown in (creation green, deletion red, undo yellow).
    func eventType(_ s: String) -> String {
        if s.hasSuffix("CREATED") { return green(s) }
        if s.hasSuffix("DELETED") { return red(s) }
        if s.hasSuffix("UNDO") { return yellow(s) }
        return s
    }
}
