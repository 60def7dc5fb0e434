import DebtCore
import DebtServer
import Foundation
import LibPQ
import Testing
import TestSupport

@Suite("Operating the server")
struct OperationsTests {
    @Test("no password or token appears in the server's log, even at debug level")
    func logsHoldNoSecrets() async throws {
        let s = try await ServerProcess.start(environment: ["LOG_LEVEL": "debug"])
        let (token, id) = try await s.login("ada", password: "very-secret-password-1")
        _ = try await s.request("GET", "/api/contacts", token: token)
        _ = try await s.request("POST", "/api/auth/login", json: ["username": "ada", "password": "wrong-secret-password-2"])
        _ = try await s.request("PUT", "/api/admin/users/\(id)/password", token: try await s.adminToken(), json: ["password": "another-secret-password-3"])
        s.process.signal(SIGTERM)
        let log = s.process.wait().stderr
        #expect(log.contains("request"))
        for secret in ["very-secret-password-1", "wrong-secret-password-2", "another-secret-password-3", token, ServerProcess.adminPassword, ServerProcess.secret] {
            #expect(!log.contains(secret), "the log contains a secret")
        }
    }

    @Test("debt-server users add/passwd take the password from standard input only")
    func usersCommand() async throws {
        let s = try await ServerProcess.start()
        let add = try CommandRunner.run("debt-server", ["users", "add", "ops", "--admin", "--password-stdin", "--database-url", s.databaseURL], environment: ["DEBT_BCRYPT_COST": "4"], stdin: "ops-password-1\n")
        #expect(add.status == 0, "\(add.stderr)")
        #expect(!add.stdout.contains("ops-password-1"))
        let login = try await s.request("POST", "/api/auth/admin/login", json: ["username": "ops", "password": "ops-password-1"])
        #expect(login.status == 200)
        let noStdin = try CommandRunner.run("debt-server", ["users", "add", "x", "--database-url", s.databaseURL])
        #expect(noStdin.status == 2 && noStdin.stderr.contains("--password-stdin"))
        let passwd = try CommandRunner.run("debt-server", ["users", "passwd", "ops", "--password-stdin", "--database-url", s.databaseURL], environment: ["DEBT_BCRYPT_COST": "4"], stdin: "ops-password-2\n")
        #expect(passwd.status == 0, "\(passwd.stderr)")
        #expect(try await s.request("POST", "/api/auth/admin/login", json: ["username": "ops", "password": "ops-password-2"]).status == 200)
    }

    /// `debt-server --data-dir DIR` as a process: no database URL, so the embedded PostgreSQL in DIR.
    /// Its first admin comes from the environment, unless `dev` (then --dev's own).
    static func startEmbedded(dataDirectory: String, port: Int, dev: Bool = false) throws -> CommandRunner.Running {
        let admin = dev ? [:] : ["DEBT_ADMIN_USERNAME": "root", "DEBT_ADMIN_PASSWORD": "root-password-1"]
        return try CommandRunner.start(
            "debt-server", ["--data-dir", dataDirectory, "--port", String(port)] + (dev ? ["--dev"] : []),
            environment: admin.merging(["DEBT_BCRYPT_COST": "4"]) { $1 })
    }

    /// True once the server on `port` answers `/health/ready` with 200 and "ready" (within 30 s).
    static func becomesReady(port: Int) async -> Bool {
        for _ in 0..<300 {
            try? await Task.sleep(for: .milliseconds(100))
            if let r = try? await ServerProcess.request("http://127.0.0.1:\(port)", "GET", "/health/ready"), r.status == 200, r.body.contains("ready") { return true }
        }
        return false
    }

    /// The HTTP statuses of signing in as the development admin and as alice, with the passwords the
    /// README gives for `--dev`.
    static func developmentSignIns(port: Int) async throws -> [Int] {
        var statuses: [Int] = []
        for (path, name, password) in [
            ("/api/auth/admin/login", "admin", DebtServerApp.devAdminPassword), ("/api/auth/login", "alice", DebtServerApp.devUserPassword),
        ] {
            let r = try await ServerProcess.request("http://127.0.0.1:\(port)", "POST", path, json: ["username": .string(name), "password": .string(password)])
            statuses.append(r.status)
        }
        return statuses
    }

    @Test("--dev seeds the demo data into an empty log once, and its documented accounts sign in")
    func devServer() async throws {
        let dir = NSTemporaryDirectory() + "debt-devserver-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var seeded: [Int] = []
        for _ in 0..<2 {
            let port = try ServerProcess.freePort()
            let p = try Self.startEmbedded(dataDirectory: dir, port: port, dev: true)
            #expect(await Self.becomesReady(port: port), "\(p.stderrSoFar)")
            #expect(try await Self.developmentSignIns(port: port) == [200, 200])
            p.signal(SIGTERM)
            let result = p.wait()
            #expect(result.status == 0, "\(result.stderr)")
            seeded.append(result.stderr.components(separatedBy: "seeded demo data").count - 1)
        }
        #expect(seeded == [1, 0], "the second start seeds again: \(seeded)")
    }

    @Test("without a database URL the server runs an embedded PostgreSQL and stops it on SIGTERM")
    func embedded() async throws {
        let dir = NSTemporaryDirectory() + "debt-embedded-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = try ServerProcess.freePort()
        let p = try Self.startEmbedded(dataDirectory: dir, port: port)
        #expect(await Self.becomesReady(port: port), "\(p.stderrSoFar)")
        let secret = try FileManager.default.attributesOfItem(atPath: dir + "/jwt-secret")[.posixPermissions] as? Int
        #expect(secret == 0o600)
        p.signal(SIGTERM)
        let result = p.wait()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/postgres/data/postmaster.pid"))
    }

    @Test("dev up seeds once and reuses its database; serve --data-dir uses that database and leaves it running; dev down stops it")
    func developmentDatabase() async throws {
        let dir = NSTemporaryDirectory() + "debt-dev-" + UUID().uuidString
        defer {
            _ = try? CommandRunner.run("debt-server", ["dev", "down", "--data-dir", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }
        let dbPort = try ServerProcess.freePort()
        let url = "postgresql://debt@127.0.0.1:\(dbPort)/debt_tracker"
        let up = try CommandRunner.run("debt-server", ["dev", "up", "--data-dir", dir, "--db-port", String(dbPort)], environment: ["DEBT_BCRYPT_COST": "4"])
        #expect(up.status == 0, "\(up.stderr)")
        #expect(up.stdout.contains("export DEBTCTL_DATABASE_URL=\(url)\n"), "\(up.stdout)")
        #expect(up.stdout.contains("seeded") && up.stdout.contains("started"), "\(up.stdout)")
        let users = try CommandRunner.run("debtctl", ["--database", url, "users", "list", "-o", "csv"])
        #expect(users.status == 0, "\(users.stderr)")
        for name in ["alice", "bob", "carol"] { #expect(users.stdout.contains(name)) }
        func eventCount() throws -> Int {
            let r = try CommandRunner.run("debtctl", ["--database", url, "events", "list", "--limit", "0", "-o", "ndjson"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.stdout.split(separator: "\n").count
        }
        let seeded = try eventCount()
        #expect(seeded > 0)

        // Again, without a port: the running database, on its port, not seeded twice.
        let again = try CommandRunner.run("debt-server", ["dev", "up", "--data-dir", dir])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("export DEBTCTL_DATABASE_URL=\(url)\n"), "\(again.stdout)")
        #expect(again.stdout.contains("already running") && !again.stdout.contains("seeded"), "\(again.stdout)")
        #expect(try eventCount() == seeded)
        let otherPort = try CommandRunner.run("debt-server", ["dev", "up", "--data-dir", dir, "--db-port", String(try ServerProcess.freePort())])
        #expect(otherPort.status == 0 && otherPort.stdout.contains(url) && otherPort.stderr.contains("already runs on port \(dbPort)"), "\(otherPort)")

        // The server on the same directory uses that database (it used to connect to a port of its own
        // choosing, where nothing listened) and leaves it running when it stops.
        let port = try ServerProcess.freePort()
        let server = try Self.startEmbedded(dataDirectory: dir, port: port)
        #expect(await Self.becomesReady(port: port), "\(server.stderrSoFar)")
        // dev up's accounts sign in with the passwords the README gives for --dev.
        #expect(try await Self.developmentSignIns(port: port) == [200, 200])
        server.signal(SIGTERM)
        let stopped = server.wait()
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(try CommandRunner.run("debtctl", ["--database", url, "health"]).status == 0)

        let down = try CommandRunner.run("debt-server", ["dev", "down", "--data-dir", dir])
        #expect(down.status == 0 && down.stdout.contains("stopped"), "\(down.stderr)")
        #expect(try CommandRunner.run("debtctl", ["--database", url, "health"]).status == 69)  // unreachable
        #expect(!FileManager.default.fileExists(atPath: dir + "/postgres/data/postmaster.pid"))

        let misplaced = try CommandRunner.run("debt-server", ["--db-port", "5432"])
        #expect(misplaced.status == 2 && misplaced.stderr.contains("--db-port is an option of 'dev up'"))
    }

    @Test("devices pushing concurrently: a reader following the cursor sees every accepted event once, in order")
    func cursorUnderConcurrentWriters() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let writers = 4
        let batches = 10
        async let written: [String] = withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<writers {
                group.addTask {
                    var accepted: [String] = []
                    var f = ClientEvents()
                    for _ in 0..<batches {
                        let batch = (0..<5).map { _ in f.make(.contact, .random(), .created, ["name": "c"], 1).contractJSON }
                        let r = try await s.request("POST", "/api/sync/events", token: token, json: .array(batch))
                        accepted += r.json["accepted"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    }
                    return accepted
                }
            }
            return try await group.reduce([], +)
        }
        var seen: [String] = []
        var positions: [Int64] = []
        var cursor: Int64 = 0
        let total = writers * batches * 5
        while seen.count < total {
            let page = try await s.request("GET", "/api/sync/events?after=\(cursor)&limit=7", token: token).json.arrayValue ?? []
            for e in page {
                seen.append(e["id"]?.stringValue ?? "")
                positions.append(e["position"]?.integerValue ?? -1)
            }
            cursor = positions.last ?? cursor
            if page.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        let accepted = try await written
        #expect(accepted.count == total)
        #expect(Set(seen) == Set(accepted) && seen.count == total)
        #expect(positions == positions.sorted() && Set(positions).count == positions.count)
    }

    @Test("a rebuild over the API while clients write: nothing lost, no drift")
    func rebuildDuringWrites() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let admin = try await s.adminToken()
        for i in 0..<100 { _ = try await s.request("POST", "/api/contacts", token: token, json: ["name": .string("seed \(i)")]) }
        async let writes: Int = {
            var n = 0
            for i in 0..<60 where try await s.request("POST", "/api/contacts", token: token, json: ["name": .string("during \(i)")]).status == 201 { n += 1 }
            return n
        }()
        let rebuilt = try await s.request("POST", "/api/admin/projections/rebuild", token: admin)
        #expect(rebuilt.json["status"] == "success", "\(rebuilt.body)")
        let n = try await writes
        #expect(n == 60)
        #expect(try await s.request("GET", "/api/contacts", token: token).json.arrayValue?.count == 160)
        #expect(try await s.request("POST", "/api/admin/projections/verify", token: admin).json["drifts"] == .array([]))
    }
}
