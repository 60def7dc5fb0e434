import Foundation

/// A PostgreSQL cluster this process owns: created with `initdb`, run with `pg_ctl`, on loopback and a
/// private socket directory. Used by the tests (throwaway, removed on `stop`) and by
/// `debt-server --data-dir` (kept between runs).
///
/// PostgreSQL refuses to run as root; when this process is root, the server runs as an unprivileged
/// account (`osUser`: `DEBT_PG_OS_USER`, else `postgres`, else `nobody`) through `runuser`, and the
/// data and socket directories are handed to it.
public final class PostgresCluster: @unchecked Sendable {
    public struct Options: Sendable {
        /// Where the cluster lives; nil makes a temporary directory that `stop()` removes.
        public var directory: String?
        /// The TCP port on 127.0.0.1; nil picks a free one.
        public var port: Int?
        /// Turn off fsync (tests only: a crash of the machine would lose data).
        public var durable: Bool
        public var superuser: String
        /// Leave the server running when this object goes away (`debt-server dev up`).
        public var keepRunning: Bool

        public init(directory: String? = nil, port: Int? = nil, durable: Bool = true, superuser: String = "debt", keepRunning: Bool = false) {
            self.directory = directory
            self.port = port
            self.durable = durable
            self.superuser = superuser
            self.keepRunning = keepRunning
        }
    }

    public let root: String
    /// The port it listens on: the one asked for, or, when a server was already running in this
    /// directory (`dev up` left it), that server's.
    public var port: Int { lock.withLock { currentPort } }
    /// False when the server was found already running in this directory.
    public var startedByThisObject: Bool { lock.withLock { startedHere } }
    public let superuser: String
    public let binDirectory: String
    public let osUser: String?
    private let isTemporary: Bool
    private let keepRunning: Bool
    private let durable: Bool
    private let lock = NSLock()
    private var running = false
    private var currentPort: Int
    /// True when this object started the server; one it found running is left running by `stop()`.
    private var startedHere = false

    public var dataDirectory: String { root + "/data" }
    public var socketDirectory: String { root + "/run" }
    public var logFile: String { root + "/postgres.log" }

    /// A libpq URL for `database` over TCP (trust authentication on loopback; no password).
    public func url(database: String = "postgres") -> String {
        "postgresql://\(superuser)@127.0.0.1:\(port)/\(database)"
    }

    /// Creates the cluster if its data directory is empty, then starts it and waits until it accepts
    /// connections.
    public static func start(_ options: Options = Options()) throws -> PostgresCluster {
        let cluster = try PostgresCluster(options)
        try cluster.initializeIfNeeded(durable: options.durable)
        try cluster.startServer(durable: options.durable)
        return cluster
    }

    init(_ options: Options) throws {
        binDirectory = try PostgresCluster.findBinaries()
        osUser = geteuid() == 0 ? PostgresCluster.unprivilegedUser() : nil
        superuser = options.superuser
        keepRunning = options.keepRunning
        durable = options.durable
        if let dir = options.directory {
            root = URL(fileURLWithPath: dir).standardizedFileURL.path
            isTemporary = false
        } else {
            root = NSTemporaryDirectory() + "debt-pg-" + UUID().uuidString.prefix(8).lowercased()
            isTemporary = true
        }
        currentPort = try options.port ?? PostgresCluster.freePort()
        for d in [root, root + "/run"] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: d)
            if let osUser { try PostgresCluster.run("/bin/chown", [osUser, d]) }
        }
    }

    private func initializeIfNeeded(durable: Bool) throws {
        if FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") { return }
        var args = ["-D", dataDirectory, "-U", superuser, "--auth=trust", "-E", "UTF8", "--locale=C"]
        if !durable { args.append("--no-sync") }
        try runAsOwner(binDirectory + "/initdb", args)
    }

    private func startServer(durable: Bool) throws {
        if isRunning() {
            // Another process started it (`debt-server dev up`, perhaps on another port): use it as it is.
            let found = try runningPort()
            lock.withLock {
                running = true
                currentPort = found
            }
            return
        }
        var settings = [
            "-p \(port)", "-k \(socketDirectory)", "-c listen_addresses=127.0.0.1", "-c max_connections=500",
            "-c timezone=UTC",
        ]
        if !durable { settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"] }
        try runAsOwner(
            binDirectory + "/pg_ctl",
            ["-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", settings.joined(separator: " "), "start"])
        lock.withLock {
            running = true
            startedHere = true
        }
    }

    /// The port of the server running in this directory, from its `postmaster.pid` (line 4).
    private func runningPort() throws -> Int {
        let path = dataDirectory + "/postmaster.pid"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ClusterError.unreadablePidFile(path: path)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 3, let p = Int(lines[3].trimmingCharacters(in: .whitespaces)), (1...65535).contains(p) else {
            throw ClusterError.unreadablePidFile(path: path)
        }
        return p
    }

    /// Stops the server this object started (fast shutdown) and, for a temporary cluster, removes its
    /// files. A server it found already running is left running.
    public func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { running = false }
            return running && startedHere
        }
        if wasRunning {
            try? runAsOwner(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
        }
        if isTemporary { try? FileManager.default.removeItem(atPath: root) }
    }

    /// Stops the server but keeps its files, until `resume` (fault tests: the database goes away for a while).
    public func pause() throws {
        try runAsOwner(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
        lock.withLock { running = false }
    }

    /// Starts a paused server again, on the same port with the same settings.
    public func resume() throws {
        try startServer(durable: durable)
    }

    /// Restarts the server in place (for fault tests: connections drop, data stays).
    public func restart() throws {
        try runAsOwner(binDirectory + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "restart"])
    }

    deinit {
        if !keepRunning { stop() }
    }

    /// True when a postmaster already serves this data directory.
    func isRunning() -> Bool {
        (try? runAsOwner(binDirectory + "/pg_ctl", ["-D", dataDirectory, "status"])) != nil
    }

    /// Stops a cluster left running in `directory` (by `keepRunning`).
    public static func stopExisting(directory: String) throws {
        let cluster = try PostgresCluster(Options(directory: directory, port: 1, keepRunning: true))
        guard cluster.isRunning() else { return }
        try cluster.runAsOwner(cluster.binDirectory + "/pg_ctl", ["-D", cluster.dataDirectory, "-m", "fast", "-w", "stop"])
    }

    // MARK: - Processes

    private func runAsOwner(_ tool: String, _ args: [String]) throws {
        if let osUser {
            try PostgresCluster.run(PostgresCluster.runuser, ["-u", osUser, "--", tool] + args)
        } else {
            try PostgresCluster.run(tool, args)
        }
    }

    static var runuser: String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "runuser"
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String]) throws -> String {
        do {
            return try Subprocess.run(tool, args)
        } catch let failure as Subprocess.Failure {
            throw ClusterError.toolFailed(tool: (tool as NSString).lastPathComponent, status: failure.status, output: failure.output)
        }
    }

    // MARK: - Discovery

    /// `DEBT_PG_BINDIR`, else the newest `/usr/lib/postgresql/N/bin`, else the directory of `initdb` on PATH.
    static func findBinaries() throws -> String {
        let fm = FileManager.default
        if let dir = ProcessInfo.processInfo.environment["DEBT_PG_BINDIR"], fm.isExecutableFile(atPath: dir + "/initdb") {
            return dir
        }
        let base = "/usr/lib/postgresql"
        let versions = ((try? fm.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted(by: >)
        for v in versions where fm.isExecutableFile(atPath: "\(base)/\(v)/bin/initdb") && fm.isExecutableFile(atPath: "\(base)/\(v)/bin/pg_ctl") {
            return "\(base)/\(v)/bin"
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if fm.isExecutableFile(atPath: "\(dir)/initdb") { return String(dir) }
        }
        throw ClusterError.binariesNotFound
    }

    static func unprivilegedUser() -> String {
        if let u = ProcessInfo.processInfo.environment["DEBT_PG_OS_USER"], !u.isEmpty { return u }
        return getpwnam("postgres") != nil ? "postgres" : "nobody"
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClusterError.noFreePort }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw ClusterError.noFreePort }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

public enum ClusterError: Error, CustomStringConvertible {
    case binariesNotFound
    case noFreePort
    case unreadablePidFile(path: String)
    case toolFailed(tool: String, status: Int32, output: String)

    public var description: String {
        switch self {
        case .binariesNotFound:
            return "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql or set DEBT_PG_BINDIR"
        case .noFreePort: return "no free TCP port on 127.0.0.1"
        case .unreadablePidFile(let path):
            return "a PostgreSQL server runs in this directory, but its port cannot be read from \(path)"
        case .toolFailed(let tool, let status, let output):
            return "\(tool) failed with status \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }
}
