public import Foundation

/// Runs the project's built executables as processes, the way users and scripts do.
public enum CommandRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The directory holding the built products (next to the test bundle).
    public static var productsDirectory: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var dir = bundle.deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("debtctl").path) { return dir.path }
            dir = dir.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug"
    }

    public static func path(of product: String) -> String { productsDirectory + "/" + product }

    /// Runs `product` with `arguments` and a clean environment (PATH, HOME, LANG, plus `environment`),
    /// optionally feeding `stdin`; waits for it to end.
    public static func run(
        _ product: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil
    ) throws -> Result {
        let process = try start(product, arguments, environment: environment, stdin: stdin)
        return process.wait()
    }

    /// A started process whose output goes to files, for commands that run until stopped (`tail -f`).
    public final class Running: @unchecked Sendable {
        public let pid: pid_t
        let stdoutPath: String
        let stderrPath: String

        init(pid: pid_t, stdoutPath: String, stderrPath: String) {
            self.pid = pid
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
        }

        public var stdoutSoFar: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        public var stderrSoFar: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        public func signal(_ sig: Int32) { kill(pid, sig) }

        public func wait() -> Result {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let out = stdoutSoFar
            let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            unlink(stdoutPath)
            unlink(stderrPath)
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return Result(status: code, stdout: out, stderr: err)
        }
    }

    public static func start(
        _ product: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil
    ) throws -> Running {
        let tool = product.hasPrefix("/") ? product : path(of: product)
        let base = NSTemporaryDirectory() + "debt-run-" + UUID().uuidString
        let outPath = base + ".out"
        let errPath = base + ".err"
        let inPath = base + ".in"
        FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
        defer { unlink(inPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "dumb"]
        env["HOME"] = NSTemporaryDirectory()
        env["XDG_CONFIG_HOME"] = NSTemporaryDirectory() + "debt-config-" + UUID().uuidString
        env.merge(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, tool, &actions, nil, argv, envp)
        guard rc == 0 else { throw CocoaError(.executableLoad, userInfo: [NSFilePathErrorKey: tool]) }
        return Running(pid: pid, stdoutPath: outPath, stderrPath: errPath)
    }
}
