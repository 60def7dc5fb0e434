#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the shell keeps its history, how much, and which lines it never writes down.
enum ShellHistory {
    /// Lines kept by default (older ones drop off).
    static let limit = 1000

    /// `DEBTCTL_HISTORY_SIZE`, else `limit`.
    static var size: Int { environment("DEBTCTL_HISTORY_SIZE").flatMap { Int($0) }.map { max(0, min($0, 100_000)) } ?? limit }

    /// `$XDG_STATE_HOME/debtctl/history`, else `~/.local/state/debtctl/history`.
    static var path: String? {
        if let state = environment("XDG_STATE_HOME") { return state + "/debtctl/history" }
        guard let home = environment("HOME") else { return nil }
        return home + "/.local/state/debtctl/history"
    }

    /// False for a line that may carry a secret: one naming a password, token or secret, a connection
    /// URL with a password in it, or anything that looks like a JSON Web Token.
    static func mayKeep(_ line: String) -> Bool {
        let lower = line.lowercased()
        for word in ["password", "passwd", "token", "secret", "pwd="] where lower.contains(word) { return false }
        if lower.contains("eyj") { return false }  // base64 of '{"' starts every JWT
        // scheme://user:password@host
        var rest = Substring(lower)
        while let r = rest.firstRange(of: "://") {
            let authority = rest[r.upperBound...].prefix { $0 != "/" && $0 != " " && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }

    /// Creates the directory (0700) and the file (0600) before the history is written there.
    static func prepare(_ path: String) -> Bool {
        var dir = ""
        for part in path.split(separator: "/").dropLast() {
            dir += "/" + part
            if mkdir(dir, 0o700) != 0 && errno != EEXIST { return false }
        }
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        guard fd >= 0 else { return false }
        fchmod(fd, 0o600)
        close(fd)
        return true
    }
}
