import Foundation

/// Running the tools the benchmarks compare: hyperfine, wrk, psql, the built binaries.
enum Tools {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `path arguments`, returns its standard output; throws with its stderr when it fails.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(path) \(arguments.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// A command against its baseline in `rounds` hyperfine invocations whose order alternates (hyperfine
    /// runs all of one command's runs, then the next's), so that the machine's speed drifting during the
    /// measure weighs on both alike. Means (seconds) over all rounds and each round's ratio first/second.
    static func hyperfineRounds(_ commands: [String], rounds: Int, runs: Int, warmup: Int, environment: [String: String] = [:]) throws
        -> (mean: [Double], stddev: [Double], ratios: [Double])
    {
        var means = [[Double]](repeating: [], count: commands.count)
        var deviations = [[Double]](repeating: [], count: commands.count)
        var ratios: [Double] = []
        for round in 0..<rounds {
            let order = round % 2 == 0 ? Array(commands.indices) : Array(commands.indices.reversed())
            let r = try hyperfine(order.map { commands[$0] }, runs: max(1, runs / rounds), warmup: warmup, environment: environment)
            var byCommand = [Double](repeating: 0, count: commands.count)
            for (k, i) in order.enumerated() {
                byCommand[i] = r[k].mean
                means[i].append(r[k].mean)
                deviations[i].append(r[k].stddev)
            }
            ratios.append(byCommand[0] / byCommand[1])
        }
        func average(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(1, xs.count)) }
        return (means.map(average), deviations.map(average), ratios)
    }

    /// hyperfine's mean and standard deviation (seconds) for each command, one after the other.
    static func hyperfine(_ commands: [String], runs: Int, warmup: Int, environment: [String: String] = [:]) throws -> [(mean: Double, stddev: Double)] {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("hyperfine-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: json) }
        try run(which("hyperfine") ?? "/usr/bin/hyperfine",
                ["-N", "--style", "none", "--warmup", String(warmup), "--runs", String(runs), "--export-json", json] + commands,
                environment: environment)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
        let results = object?["results"] as? [[String: Any]] ?? []
        return results.map { (($0["mean"] as? Double) ?? 0, ($0["stddev"] as? Double) ?? 0) }
    }

    /// Runs a command with its output discarded and returns (seconds, peak RSS in KiB).
    ///
    /// The peak is the program's own high-water mark (`VmHWM` in /proc, polled until it exits), not
    /// wait4's `ru_maxrss`: Linux carries the spawning process's high-water mark across exec, so that
    /// figure would be this benchmark's own memory.
    static func measure(_ path: String, _ arguments: [String], environment: [String: String]) throws -> (seconds: Double, maxRSSKiB: Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        let start = Date()
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, envp) == 0 else { throw Failure(description: "cannot start \(path)") }
        var peak = 0
        var status: Int32 = 0
        while true {
            if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            {
                peak = max(peak, kib)
            }
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw Failure(description: "waitpid failed for \(path)") }
            usleep(2_000)
        }
        guard status == 0 else { throw Failure(description: "\(path) \(arguments.joined(separator: " ")) failed (status \(status))") }
        return (Date().timeIntervalSince(start), peak)
    }

    /// wrk's requests per second and latency percentiles (milliseconds) from its --latency report.
    static func wrk(url: String, connections: Int, threads: Int, seconds: Int, script: String) throws -> (rps: Double, p50: Double, p99: Double, errors: String?) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wrk-\(UUID().uuidString).lua")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = try run(which("wrk") ?? "/usr/bin/wrk",
                          ["-t", String(threads), "-c", String(connections), "-d", "\(seconds)s", "--latency", "-s", file.path, url])
        func milliseconds(_ text: Substring) -> Double {
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.hasSuffix("us") { return (Double(t.dropLast(2)) ?? 0) / 1000 }
            if t.hasSuffix("ms") { return Double(t.dropLast(2)) ?? 0 }
            if t.hasSuffix("s") { return (Double(t.dropLast()) ?? 0) * 1000 }
            return Double(t) ?? 0
        }
        var rps = 0.0, p50 = 0.0, p99 = 0.0
        var errors: String?
        for line in out.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), let v = fields.last { rps = Double(v) ?? 0 }
            if fields.first == "50%", fields.count > 1 { p50 = milliseconds(fields[1]) }
            if fields.first == "99%", fields.count > 1 { p99 = milliseconds(fields[1]) }
            if line.contains("Non-2xx") || line.contains("Socket errors") { errors = (errors.map { $0 + "; " } ?? "") + line.trimmingCharacters(in: .whitespaces) }
        }
        return (rps, p50, p99, errors)
    }
}
