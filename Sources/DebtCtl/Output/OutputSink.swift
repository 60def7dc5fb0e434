#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Standard output was closed by its reader (`debtctl … | head`): stop quietly, exit 0.
struct OutputClosed: Error {}

/// Buffered writes to standard output, or to a pager when one is running.
///
/// Writes go straight to the file descriptor with write(2) (no C stdio globals); EPIPE ends the
/// command with `OutputClosed`, which the CLI turns into a quiet exit 0 (SIGPIPE is ignored in main).
final class OutputSink {
    private var buffer: [UInt8] = []
    private var fd: Int32 = 1
    private var pagerPID: pid_t?

    init() { buffer.reserveCapacity(64 * 1024) }

    deinit { try? finish() }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, bytes.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                buffer.removeAll()
                throw OutputClosed()
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Sends everything written from now on through `command` (run by /bin/sh), as git and psql do.
    func startPager(_ command: String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addclose(&actions, fds[1])
        posix_spawn_file_actions_addclose(&actions, fds[0])
        setenv("LESS", getenv("LESS").map { String(cString: $0) } ?? "FRX", 0)
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ) == 0 else {
            close(fds[0])
            close(fds[1])
            return
        }
        close(fds[0])
        fd = fds[1]
        pagerPID = pid
    }

    /// Flushes, closes the pager's input and waits for the person to quit it.
    func finish() throws {
        defer {
            if let pid = pagerPID {
                close(fd)
                fd = 1
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                pagerPID = nil
            }
        }
        try flush()
    }
}
