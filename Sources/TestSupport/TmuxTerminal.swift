public import Foundation

/// A real pseudo-terminal for interactive programs, through tmux: the program runs in a detached
/// session with its own tmux server; tests type keys and read the screen back.
public final class TmuxTerminal {
    public struct Timeout: Error, CustomStringConvertible {
        public let waitingFor: String
        public let screen: String
        public var description: String { "timed out waiting for \(waitingFor); the screen:\n\(screen)" }
    }

    private let socket: String
    private let directory: URL
    private var serverPID: pid_t = 0
    private var panePID: pid_t = 0

    /// Starts `product arguments` with a clean environment plus `environment` in a 120×40 terminal.
    /// When it exits, the pane shows `[exited STATUS]` and stays.
    public init(_ product: String, _ arguments: [String], environment: [String: String]) throws {
        socket = "debt-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(socket)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        var script = "#!/bin/sh\n"
        let base = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": directory.path, "LANG": "C.UTF-8", "TERM": "screen"]
        for (k, v) in base.merging(environment, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) { script += "export \(k)=\(quoted(v))\n" }
        script += ([CommandRunner.path(of: product)] + arguments).map(quoted).joined(separator: " ") + "\n"
        script += "echo \"[exited $?]\"\nexec sleep 600\n"
        let file = directory.appendingPathComponent("run.sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", "120", "-y", "40", "sh " + file.path])
        let pids = try tmux(["display-message", "-p", "-t", "main", "#{pid} #{pane_pid}"]).split(separator: " ")
        serverPID = pids.first.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        panePID = pids.last.flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// Hangs up the program (as closing a terminal does), then ends the tmux server. (`kill-server`
    /// alone leaves the pane's processes running here.)
    deinit {
        if panePID > 0 {
            kill(-panePID, SIGHUP)
            usleep(100_000)
            kill(-panePID, SIGKILL)
        }
        if serverPID > 0 { kill(serverPID, SIGTERM) }
        try? FileManager.default.removeItem(at: directory)
    }

    @discardableResult
    private func tmux(_ args: [String]) throws -> String {
        // Output to files (CommandRunner), not pipes: the tmux server that new-session forks keeps
        // inherited descriptors open, so a pipe would never reach end of file.
        let r = try CommandRunner.run("/usr/bin/tmux", ["-L", socket] + args, environment: ["TERM": "screen", "HOME": directory.path])
        return r.stdout + r.stderr
    }

    /// Types `text` literally.
    public func type(_ text: String) throws { try tmux(["send-keys", "-t", "main", "-l", "--", text]) }

    /// Types `line` and presses Enter.
    public func enter(_ line: String) throws {
        try type(line)
        try press("Enter")
    }

    /// Presses named keys: Enter, Tab, Up, C-c, C-d, C-r …
    public func press(_ keys: String...) throws { try tmux(["send-keys", "-t", "main"] + keys) }

    /// The screen and its scrollback, without trailing blanks on a line or blank lines at the end.
    public func screen() throws -> String {
        var lines = try tmux(["capture-pane", "-p", "-J", "-t", "main", "-S", "-2000"]).split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line[..<(line.lastIndex { $0 != " " }.map { line.index(after: $0) } ?? line.startIndex)]) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// The last line on the screen (where the prompt and the line being typed are).
    public func lastLine() throws -> String { String(try screen().split(separator: "\n").last ?? "") }

    /// Waits until `condition` holds for the screen; returns that screen.
    @discardableResult
    public func waitFor(_ what: String, timeout: Double = 15, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(50_000)
        }
        throw Timeout(waitingFor: what, screen: last)
    }

    /// Waits until the screen contains `text` `count` times.
    @discardableResult
    public func waitFor(_ text: String, count: Int = 1, timeout: Double = 15) throws -> String {
        try waitFor("'\(text)' ×\(count)", timeout: timeout) { $0.components(separatedBy: text).count - 1 >= count }
    }
}
