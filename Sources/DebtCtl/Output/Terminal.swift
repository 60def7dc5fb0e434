#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the process's terminal and environment say about how to print.
struct Terminal {
    var stdoutIsTTY: Bool
    var stdinIsTTY: Bool
    var stderrIsTTY: Bool
    var width: Int

    static func current() -> Terminal {
        var size = winsize()
        let columns = ioctl(1, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : (Int(environment("COLUMNS") ?? "") ?? 100)
        return Terminal(stdoutIsTTY: isatty(1) == 1, stdinIsTTY: isatty(0) == 1, stderrIsTTY: isatty(2) == 1, width: columns)
    }
}

/// An environment variable, nil when unset or empty.
func environment(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    let s = String(cString: p)
    return s.isEmpty ? nil : s
}

/// Writes to standard error, unbuffered (diagnostics must appear even if the process dies next).
func printError(_ text: String) {
    var bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

/// Writes to standard error without a newline (prompts).
func printErrorNoNewline(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
