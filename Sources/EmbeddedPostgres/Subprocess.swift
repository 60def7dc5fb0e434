import Foundation

/// Runs a program to completion with `posix_spawn` and `waitpid`, its output captured through a file.
///
/// Foundation's `Process` reaps children from a dispatch source that does not always run (a child
/// was seen left a zombie and `waitUntilExit` never returned); a daemonizing tool like `pg_ctl start`
/// also must not hold a pipe of ours, which a file avoids.
enum Subprocess {
    struct Failure: Error {
        let status: Int32
        let output: String
    }

    static func run(_ tool: String, _ args: [String]) throws -> String {
        let outputPath = NSTemporaryDirectory() + "debt-spawn-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv: [UnsafeMutablePointer<CChar>?] = ([tool] + args).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(status: -1, output: "cannot run \(tool): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard code == 0 else { throw Failure(status: code, output: output) }
        return output
    }
}
