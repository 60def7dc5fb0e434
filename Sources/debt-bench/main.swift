import DebtCore
import EmbeddedPostgres
import Foundation
import LibPQ

// debt-bench: generates a realistic event log into a throwaway PostgreSQL, measures each hot path beside
// its baseline in the same run, and writes the figures (and ratios) as Markdown. See BENCHMARKS.md.

struct Options {
    var events = 1_000_000
    var output: String?
    var runs = 200
    var seconds = 10
    var bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    var loadOnly = false

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fatal("\(args[i - 1]) needs a value") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--events": o.events = Int(value()) ?? o.events
            case "--output": o.output = value()
            case "--runs": o.runs = Int(value()) ?? o.runs
            case "--seconds": o.seconds = Int(value()) ?? o.seconds
            case "--bin": o.bin = value()
            case "--load-only": o.loadOnly = true
            case "--smoke":
                o.events = 5_000
                o.runs = 10
                o.seconds = 1
            case "-h", "--help":
                print("usage: debt-bench [--events N (1000000)] [--output BENCHMARKS.md] [--runs N] [--seconds S] [--bin DIR] [--smoke] [--load-only]")
                print("  --load-only  generate and load the events, print the database's URL, keep PostgreSQL up until stdin closes (for profiling)")
                exit(0)
            default: fatal("unknown argument '\(args[i])'")
            }
            i += 1
        }
        return o
    }
}

/// What to stop on the way out, also when a measure fails (exit skips `defer`).
nonisolated(unsafe) var cleanups: [() -> Void] = []

func fatal(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("debt-bench: " + message + "\n").utf8))
    for c in cleanups.reversed() { c() }
    exit(1)
}

func say(_ message: String) { FileHandle.standardError.write(Data(("· " + message + "\n").utf8)) }

struct Row {
    let measure: String
    let figure: String
    let baseline: String
    let ratio: String
    let target: String
    let met: Bool?
}

func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }
func thousands(_ x: Double) -> String {
    let n = Int(x.rounded())
    var s = String(n)
    var i = s.count - 3
    while i > 0 {
        s.insert(",", at: s.index(s.startIndex, offsetBy: i))
        i -= 3
    }
    return s
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let debtctl = options.bin + "/debtctl"
let server = options.bin + "/debt-server"
for tool in [debtctl, server] where !FileManager.default.isExecutableFile(atPath: tool) { fatal("\(tool) is missing: build first") }
for tool in ["psql", "hyperfine", "wrk", "curl"] where Tools.which(tool) == nil { fatal("\(tool) is not installed (scripts/install-deps)") }
// The psql binary itself: on Debian /usr/bin/psql is a Perl wrapper (pg_wrapper) that picks a version.
let psql = (try? Tools.run(Tools.which("pg_config") ?? "/usr/bin/pg_config", ["--bindir"]))
    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) + "/psql" }
    .flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil } ?? Tools.which("psql") ?? "psql"
var rows: [Row] = []
var notes: [String] = []

say("starting a throwaway PostgreSQL")
let cluster = try PostgresCluster.start(PostgresCluster.Options(durable: true))
cleanups.append { cluster.stop() }
let admin = try PQConnection(cluster.url())
try admin.executeSync("CREATE DATABASE bench")
let url = cluster.url(database: "bench")
let db = try PQConnection(url)
let store = EventStore(session: db)
_ = try await store.migrate()
// Statements slower than 100 ms go to the cluster's log; those during the HTTP measures are reported.
try admin.executeSync("ALTER SYSTEM SET log_min_duration_statement = 100")
_ = try admin.querySync("SELECT pg_reload_conf()", [])

// MARK: data
say("generating and loading \(thousands(Double(options.events))) events with COPY")
var generator = Generator()
let loadStart = Date()
try generator.load(count: options.events, into: db)
let loadSeconds = Date().timeIntervalSince(loadStart)
if options.loadOnly {
    FileHandle.standardOutput.write(Data((url + "\n").utf8))
    while readLine() != nil {}
    cluster.stop()
    exit(0)
}
notes.append("Loaded \(thousands(Double(options.events))) events (8 users, \(generator.users.map(\.count).map(String.init).joined(separator: "/")) events each) with COPY in \(f(loadSeconds, 1)) s, \(thousands(Double(options.events) / loadSeconds)) events/s, indexes in place.")

// MARK: rebuild
// A deployment's log is settled: the commit status of its rows is written on their pages (hint bits)
// and autovacuum has been by. Right after a bulk load, the first reader of each page writes that down
// and autovacuum starts on the new table, so whichever measure ran first paid for it (until now, always
// the rebuild, before the set-based baseline).
say("settling the loaded log (VACUUM ANALYZE, CHECKPOINT)")
try db.executeSync("VACUUM (ANALYZE) events")
try db.executeSync("CHECKPOINT")

/// `debtctl projections rebuild`: the command operators run (the release binary, direct mode): the log
/// read on one connection, the new tables written on a second. Returns (seconds, events).
@MainActor func rebuildOnce() throws -> (Double, Int64) {
    let started = Date()
    let answer = try Tools.run(debtctl, ["--database", url, "--no-color", "projections", "rebuild", "--yes", "-o", "json"])
    let seconds = Date().timeIntervalSince(started)
    guard let events = (try? JSONValue(parsing: answer))?["events_processed"]?.integerValue else {
        fatal("debtctl projections rebuild answered: \(answer)")
    }
    return (seconds, events)
}

/// The lower bound: each aggregate's last event, set-based, with the same indexes (no UNDO, no merge
/// of updates, no validation: not the projection, only what any rebuild has to read and write).
@MainActor func setBasedOnce() throws -> Double {
    let started = Date()
    try db.executeSync(
        """
        DROP TABLE IF EXISTS lb_contacts, lb_transactions;
        CREATE TABLE lb_contacts AS
          SELECT DISTINCT ON (aggregate_id) aggregate_id AS id, user_id, event_data->>'name' AS name, event_data->>'phone' AS phone,
                 version, occurred_at AS updated_at, position AS last_position
            FROM events WHERE aggregate_type = 'contact' ORDER BY aggregate_id, position DESC;
        CREATE TABLE lb_transactions AS
          SELECT DISTINCT ON (aggregate_id) aggregate_id AS id, user_id, (event_data->>'contact_id')::uuid AS contact_id,
                 (event_data->>'amount')::bigint AS amount, event_data->>'direction' AS direction, event_type = 'DELETED' AS is_deleted,
                 version, occurred_at AS updated_at, position AS last_position
            FROM events WHERE aggregate_type = 'transaction' ORDER BY aggregate_id, position DESC;
        ALTER TABLE lb_contacts ADD PRIMARY KEY (id);
        CREATE INDEX ON lb_contacts (user_id, name);
        ALTER TABLE lb_transactions ADD PRIMARY KEY (id);
        CREATE INDEX ON lb_transactions (user_id, updated_at);
        CREATE INDEX ON lb_transactions (contact_id);
        """)
    return Date().timeIntervalSince(started)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

say("projection rebuild (debtctl projections rebuild) and the set-based SQL rebuild (lower bound), alternating")
var rebuildTimes: [Double] = []
var setTimes: [Double] = []
var rebuiltEvents: Int64 = 0
for round in 0..<3 {
    // Alternating which goes first, so that neither always runs on the other's leftovers.
    if round % 2 == 1 { setTimes.append(try setBasedOnce()) }
    let (seconds, events) = try rebuildOnce()
    rebuildTimes.append(seconds)
    rebuiltEvents = events
    if round % 2 == 0 { setTimes.append(try setBasedOnce()) }
}
let rebuildSeconds = median(rebuildTimes)
let setSeconds = median(setTimes)
let rebuildRatios = zip(rebuildTimes, setTimes).map { $0 / $1 }
let rebuildRate = Double(rebuiltEvents) / rebuildSeconds
var started = Date()

say("naive replay, one statement per event (a sample)")
let sample = min(options.events, 20_000)
try db.executeSync(
    """
    DROP TABLE IF EXISTS naive_contacts, naive_transactions;
    CREATE TABLE naive_contacts (LIKE contacts_projection INCLUDING ALL);
    CREATE TABLE naive_transactions (LIKE transactions_projection INCLUDING ALL);
    """)
var replays: [StreamID: StreamReplay<Event>] = [:]
var pending: [Event] = []
var sampleQuery = EventQuery()
sampleQuery.afterPosition = 0
sampleQuery.limit = sample
let (sampleSQL, sampleParams) = sampleQuery.sql()
try db.stream(sampleSQL, sampleParams) { row in
    pending.append(try EventRow.decode(row))
    return true
}
started = Date()
let upsertContact = ProjectionRow.upsertContacts(into: "naive_contacts")
let upsertTransaction = ProjectionRow.upsertTransactions(into: "naive_transactions")
for e in pending {
    replays[e.stream, default: StreamReplay()].apply(e)
    switch replays[e.stream]?.state {
    case .contact(let c): _ = try db.querySync(upsertContact, [JSONValue.array([ProjectionRow.contact(c, position: e.position ?? 0)]).canonicalText])
    case .transaction(let t): _ = try db.querySync(upsertTransaction, [JSONValue.array([ProjectionRow.transaction(t, position: e.position ?? 0)]).canonicalText])
    case nil: _ = try db.querySync("DELETE FROM naive_transactions WHERE id = $1::uuid", [e.aggregateID.description])
    }
}
let naiveSeconds = Date().timeIntervalSince(started)
let naiveRate = Double(sample) / naiveSeconds
rows.append(Row(
    measure: "`debtctl projections rebuild`, \(thousands(Double(rebuiltEvents))) events",
    figure: "\(f(rebuildSeconds)) s = \(thousands(rebuildRate)) events/s (median of \(rebuildTimes.count): \(rebuildTimes.map { f($0) }.joined(separator: ", ")) s)",
    baseline: "naive one-statement-per-event replay: \(thousands(naiveRate)) events/s (sample of \(thousands(Double(sample)))); set-based SQL: \(f(setSeconds)) s (median of \(setTimes.count): \(setTimes.map { f($0) }.joined(separator: ", ")) s)",
    ratio: "\(f(rebuildRate / naiveRate, 1))× naive; \(f(median(rebuildRatios)))× set-based time (median of the rounds' ratios: \(rebuildRatios.map { f($0) }.joined(separator: ", ")))",
    target: "≥ 250,000 events/s and ≤ 2× set-based", met: rebuildRate >= 250_000 && median(rebuildRatios) <= 2))

say("verify (sanity: the rebuilt projections equal the replay)")
started = Date()
let verified = try await store.verifyProjections()
notes.append("Verify after the rebuild: \(verified.drifts.count) drifting rows, \(thousands(Double(verified.eventsReplayed))) events replayed in \(f(Date().timeIntervalSince(started))) s.")
if !verified.drifts.isEmpty { fatal("the rebuilt projections drift from the log: \(verified.drifts.prefix(3))") }

// MARK: debtctl
say("debtctl --version against psql --version")
let env = ["DEBTCTL_DATABASE_URL": url, "PGDATABASE": "bench", "NO_COLOR": "1"]
/// The median of a round's ratios, and all of them for the table.
func medianRatio(_ ratios: [Double]) -> (Double, String) {
    let m = median(ratios)
    return (m, "\(f(m))× (median of \(ratios.count) rounds in alternating order: \(ratios.map { f($0) }.joined(separator: ", ")))")
}
let start = try Tools.hyperfineRounds(["\(debtctl) --version", "\(psql) --version"], rounds: 5, runs: options.runs * 2, warmup: 20)
let startRatio = medianRatio(start.ratios)
rows.append(Row(
    measure: "`debtctl --version` cold start", figure: "\(f(start.mean[0] * 1000)) ± \(f(start.stddev[0] * 1000)) ms",
    baseline: "`\(psql) --version`: \(f(start.mean[1] * 1000)) ± \(f(start.stddev[1] * 1000)) ms",
    ratio: startRatio.1, target: "≤ 1.0×", met: startRatio.0 <= 1.0))

say("events list --limit 50 --type … against psql -c")
var q = EventQuery()
q.types = [EventQuery.TypeFilter(aggregate: .transaction, type: .deleted)]
q.newestFirst = true
q.limit = 50
q.withUsername = true  // what debtctl runs: the rows and their owners' names
let (listSQL, listParams) = q.sql()
var literal = listSQL
for (i, p) in listParams.enumerated().reversed() {
    literal = literal.replacingOccurrences(of: "$\(i + 1)", with: p.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? "NULL")
}
let sqlFile = FileManager.default.temporaryDirectory.appendingPathComponent("bench-list.sql")
try literal.write(to: sqlFile, atomically: true, encoding: .utf8)
let list = try Tools.hyperfineRounds(
    ["\(debtctl) --database \(url) events list --limit 50 --type TRANSACTION_DELETED --no-pager",
     "\(psql) -X -A -q -d \(url) -f \(sqlFile.path)"], rounds: 5, runs: options.runs, warmup: 10, environment: env)
let listRatio = medianRatio(list.ratios)
rows.append(Row(
    measure: "`debtctl events list --limit 50 --type TRANSACTION_DELETED` (direct)", figure: "\(f(list.mean[0] * 1000)) ms",
    baseline: "`psql` running the same query: \(f(list.mean[1] * 1000)) ms", ratio: listRatio.1,
    target: "≤ 1.2×", met: listRatio.0 <= 1.2))

say("ndjson export of every event: peak memory")
let tenth = try Tools.measure(debtctl, ["--database", url, "events", "list", "--limit", String(options.events / 10), "-o", "ndjson"], environment: env)
let all = try Tools.measure(debtctl, ["--database", url, "events", "list", "--limit", "0", "-o", "ndjson"], environment: env)
rows.append(Row(
    measure: "`debtctl events list --limit 0 -o ndjson`, all \(thousands(Double(options.events))) events",
    figure: "peak RSS \(f(Double(all.maxRSSKiB) / 1024, 1)) MiB, \(f(all.seconds)) s (\(thousands(Double(options.events) / all.seconds)) events/s)",
    baseline: "a tenth of the events: \(f(Double(tenth.maxRSSKiB) / 1024, 1)) MiB", ratio: "\(f(Double(all.maxRSSKiB) / Double(tenth.maxRSSKiB)))× (flat: ≈1)",
    target: "< 30 MiB, flat", met: all.maxRSSKiB < 30 * 1024 && Double(all.maxRSSKiB) <= 1.2 * Double(tenth.maxRSSKiB)))

// MARK: server
say("starting debt-server")
let logOffset = (try? FileManager.default.attributesOfItem(atPath: cluster.logFile)[.size] as? Int) ?? 0
let port = try PostgresCluster.freePort()
let serverEnv = [
    "DATABASE_URL": url, "PORT": String(port), "HOST": "127.0.0.1", "DEBT_JWT_SECRET": String(repeating: "b", count: 48),
    "DEBT_RATE_LIMIT": "0", "DEBT_BCRYPT_COST": "4", "LOG_LEVEL": "error", "DEBT_DB_POOL_SIZE": "32",
]
for name in ["light", "user1", "pusher"] {
    let add = Process()
    add.executableURL = URL(fileURLWithPath: server)
    add.arguments = name == "pusher" ? ["users", "add", name, "--password-stdin"] : ["users", "passwd", name, "--password-stdin"]
    add.environment = ProcessInfo.processInfo.environment.merging(serverEnv) { $1 }
    let input = Pipe()
    add.standardInput = input
    add.standardOutput = FileHandle.nullDevice
    try add.run()
    input.fileHandleForWriting.write(Data("bench-password\n".utf8))
    try input.fileHandleForWriting.close()
    add.waitUntilExit()
    guard add.terminationStatus == 0 else { fatal("debt-server users for \(name) failed") }
}
let serverProcess = Process()
serverProcess.executableURL = URL(fileURLWithPath: server)
serverProcess.arguments = ["serve"]
serverProcess.environment = ProcessInfo.processInfo.environment.merging(serverEnv) { $1 }
serverProcess.standardOutput = FileHandle.nullDevice
serverProcess.standardError = FileHandle.nullDevice
// The fan-out measure's 1,000 WebSocket clients and the server's sockets for them: raise the open-file
// limit to the hard limit (the server inherits it).
var fileLimit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &fileLimit)
fileLimit.rlim_cur = fileLimit.rlim_max
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &fileLimit)
try serverProcess.run()
cleanups.append {
    serverProcess.terminate()
    serverProcess.waitUntilExit()
}
let base = "http://127.0.0.1:\(port)"
var ready = false
for _ in 0..<200 where !ready {
    ready = (try? Tools.run("/usr/bin/curl", ["-sf", base + "/health/ready"])) != nil
    if !ready { usleep(100_000) }
}
if !ready { fatal("debt-server did not become ready") }
func token(_ user: String) throws -> String {
    let body = try Tools.run("/usr/bin/curl", ["-sf", "-H", "Content-Type: application/json", "-d", "{\"username\":\"\(user)\",\"password\":\"bench-password\"}", base + "/api/auth/login"])
    guard let t = try JSONValue(parsing: Array(body.utf8))["token"]?.stringValue else { fatal("login of \(user) gave no token") }
    return t
}
let pusherToken = try token("pusher")

/// Each write measure starts with the earlier measures' dirty pages on disk: otherwise a checkpoint that
/// the previous measure's writes triggered (the rebuilds and the sync push write hundreds of MB of WAL)
/// flushes them in the middle of the next one.
@MainActor func checkpoint() throws { try db.executeSync("CHECKPOINT") }

// Sync push and its raw baseline, and single writes: three rounds each (the machine's speed drifts over
// minutes; one 10-second measure can land in a slow stretch), medians reported with every round. The
// push and the raw INSERT alternate which goes first, so that drift weighs on both alike.
let httpRounds = 3
say("POST /api/sync/events, batches of 500, against raw multi-row INSERT (\(httpRounds) rounds, alternating)")
/// Each round's batches carry ids of their own (a resent id would take the cheaper duplicate path).
func syncScript(round: Int) -> String {
    """
    local n = \(round) * 10000000
    request = function()
      n = n + 1
      local parts = {}
      for i = 1, 500 do
        local k = n * 1000 + i
        local id = string.format("%08x-0000-4000-8000-%012x", k % 4294967296, k)
        local agg = string.format("%08x-1111-4000-8000-%012x", k % 4294967296, k)
        parts[i] = '{"id":"' .. id .. '","aggregate_type":"contact","aggregate_id":"' .. agg .. '","event_type":"CREATED","event_data":{"name":"Pushed ' .. k .. '"},"timestamp":"2026-01-01T00:00:00Z","version":1}'
      end
      return wrk.format("POST", "/api/sync/events", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer \(pusherToken)"}, '[' .. table.concat(parts, ",") .. ']')
    end
    """
}
// The same rows, 500 per multi-row INSERT, into a table like events (indexes, no triggers or foreign keys).
try db.executeSync("CREATE TABLE events_raw (LIKE events INCLUDING ALL)")
var rawPosition: Int64 = 10_000_000_000
var rawBatch = 0
/// `batches` multi-row INSERTs of 500 rows, after a `CHECKPOINT` as the push; returns events/s.
@MainActor func rawRound(batches: Int) throws -> Double {
    try checkpoint()
    let started = Date()
    for _ in 0..<batches {
        var values: [String] = []
        values.reserveCapacity(500)
        for i in 0..<500 {
            rawPosition += 1
            let k = rawBatch * 1000 + i
            values.append("(\(rawPosition), '\(Identifier.random())', '\(generator.users[1].id)', 'contact', '\(Identifier.random())', 'CREATED', 1, '{\"name\":\"Pushed \(k)\"}', '{}', '2026-01-01T00:00:00Z', now(), decode('\(String(repeating: "ab", count: 32))', 'hex'))")
        }
        rawBatch += 1
        try db.executeSync("INSERT INTO events_raw (position, event_id, user_id, aggregate_type, aggregate_id, event_type, version, event_data, metadata, occurred_at, recorded_at, digest) VALUES " + values.joined(separator: ","))
    }
    return Double(batches * 500) / Date().timeIntervalSince(started)
}
var syncRates: [Double] = [], syncP50s: [Double] = [], rawRates: [Double] = []
for round in 0..<httpRounds {
    // As many raw batches as the push made (in a round where the raw INSERT goes first, as the round before).
    func batches() -> Int { max(20, Int((syncRates.last ?? 0) / 500 * Double(options.seconds))) }
    if round % 2 == 1 { rawRates.append(try rawRound(batches: batches())) }
    try checkpoint()
    let sync = try Tools.wrk(url: base, connections: 1, threads: 1, seconds: options.seconds, script: syncScript(round: round + 1))
    if let e = sync.errors { fatal("sync push: \(e)") }
    syncRates.append(sync.rps * 500)
    syncP50s.append(sync.p50)
    if round % 2 == 0 { rawRates.append(try rawRound(batches: batches())) }
}
let syncRatios = zip(syncRates, rawRates).map { $0 / $1 }
rows.append(Row(
    measure: "`POST /api/sync/events`, batches of 500, one client",
    figure: "\(thousands(median(syncRates))) events/s (median of \(httpRounds): \(syncRates.map { thousands($0) }.joined(separator: ", ")); p50 \(f(median(syncP50s), 1)) ms a batch)",
    baseline: "raw multi-row INSERT of the same rows: \(thousands(median(rawRates))) events/s (median of \(httpRounds): \(rawRates.map { thousands($0) }.joined(separator: ", ")))",
    ratio: "\(f(100 * median(syncRatios), 0))% of raw (median of the rounds' ratios: \(syncRatios.map { f(100 * $0, 0) + "%" }.joined(separator: ", ")))",
    target: "≥ 50% of raw", met: median(syncRatios) >= 0.5))

say("POST /api/contacts, 32 connections (\(httpRounds) rounds)")
var singles: [(rps: Double, p50: Double, p99: Double)] = []
for _ in 0..<httpRounds {
    try checkpoint()
    let single = try Tools.wrk(url: base, connections: 32, threads: 2, seconds: options.seconds, script: """
        wrk.method = "POST"
        wrk.path = "/api/contacts"
        wrk.body = '{"name":"Bench contact"}'
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer \(pusherToken)"
        """)
    if let e = single.errors { fatal("single writes: \(e)") }
    singles.append((single.rps, single.p50, single.p99))
}
let (singleRate, singleP50, singleP99) = (median(singles.map(\.rps)), median(singles.map(\.p50)), median(singles.map(\.p99)))
rows.append(Row(
    measure: "`POST /api/contacts`, 32 connections",
    figure: "\(thousands(singleRate)) req/s, p50 \(f(singleP50, 1)) ms, p99 \(f(singleP99, 1)) ms (medians of \(httpRounds) rounds of \(options.seconds) s: \(singles.map { "\(thousands($0.rps)) req/s, p99 \(f($0.p99, 1)) ms" }.joined(separator: "; ")))",
    baseline: "—", ratio: "—", target: "≥ 3,000 req/s, p99 < 20 ms", met: singleRate >= 3000 && singleP99 < 20))

say("GET /api/sync/hash: a light user against the heaviest")
let heavy = try Tools.wrk(url: base + "/api/sync/hash", connections: 8, threads: 2, seconds: options.seconds,
                          script: "wrk.headers[\"Authorization\"] = \"Bearer \(try token("user1"))\"")
let light = try Tools.wrk(url: base + "/api/sync/hash", connections: 8, threads: 2, seconds: options.seconds,
                          script: "wrk.headers[\"Authorization\"] = \"Bearer \(try token("light"))\"")
rows.append(Row(
    measure: "`GET /api/sync/hash` for a user with \(thousands(Double(generator.users[1].count))) events",
    figure: "\(thousands(heavy.rps)) req/s, p50 \(f(heavy.p50, 2)) ms",
    baseline: "the same call for a user with \(thousands(Double(generator.users[0].count))) events: \(thousands(light.rps)) req/s, p50 \(f(light.p50, 2)) ms",
    ratio: "\(f(light.rps / heavy.rps))× (time per call)", target: "equal within noise (O(1))", met: light.rps / heavy.rps <= 1.25))

say("WebSocket fan-out")
let clients = options.events < 100_000 ? 50 : 1_000
let fan = try FanOut.run(base: base, token: pusherToken, clients: clients, rounds: 5)
let worst = fan.rounds.map(\.all).max() ?? .infinity
let medianP50 = fan.rounds.map(\.p50).sorted()[fan.rounds.count / 2]
rows.append(Row(
    measure: "WebSocket fan-out to \(thousands(Double(clients))) clients of one user",
    figure: worst.isFinite
        ? "all notified within \(f(worst, 1)) ms of sending the write (worst of \(fan.rounds.count) writes; p50 \(f(medianP50, 1)) ms)"
        : "not all notified: \(fan.rounds.map(\.received)) of \(clients)",
    baseline: "—", ratio: "—", target: "all notified < 200 ms after commit", met: worst < 200))

// The slowest statements while the server was measured (PostgreSQL's log, statements over 100 ms).
if let log = FileManager.default.contents(atPath: cluster.logFile), log.count > logOffset {
    var slow: [(Double, String)] = []
    for line in String(decoding: log[logOffset...], as: UTF8.self).split(separator: "\n") {
        guard let d = line.range(of: "duration: ") else { continue }
        let rest = line[d.upperBound...]
        guard let ms = Double(rest.prefix { $0 != " " }) else { continue }
        let statement = rest.split(separator: ":", maxSplits: 1).last.map { String($0.prefix(90)).trimmingCharacters(in: .whitespaces) } ?? ""
        slow.append((ms, statement))
    }
    if !slow.isEmpty {
        let top = slow.sorted { $0.0 > $1.0 }.prefix(5).map { "\(f($0.0, 0)) ms `\($0.1)`" }
        notes.append("Statements over 100 ms during the HTTP measures: \(slow.count); slowest: " + top.joined(separator: "; "))
    }
}

// MARK: report
let machine = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("model name") }
    .map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
let cores = ProcessInfo.processInfo.activeProcessorCount
let memory = ProcessInfo.processInfo.physicalMemory / (1 << 30)
let pgVersion = (try? Tools.run(psql, ["--version"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? "?"
var md = "| measure | figure | baseline (same run) | ratio | target | met |\n|---|---|---|---|---|---|\n"
for r in rows { md += "| \(r.measure) | \(r.figure) | \(r.baseline) | \(r.ratio) | \(r.target) | \(r.met.map { $0 ? "yes" : "**no**" } ?? "—") |\n" }
let header = "Machine: \(machine), \(cores) cores, \(memory) GiB; \(pgVersion); \(thousands(Double(options.events))) events; wrk \(options.seconds) s per HTTP measure; hyperfine \(options.runs) runs."
print(header + "\n\n" + md + "\n" + notes.map { "- " + $0 }.joined(separator: "\n"))
if let output = options.output {
    let existing = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    let begin = "<!-- debt-bench:begin -->", end = "<!-- debt-bench:end -->"
    let block = begin + "\n" + header + "\n\n" + md + "\n" + notes.map { "- " + $0 }.joined(separator: "\n") + "\n" + end
    let updated: String
    if let b = existing.range(of: begin), let e = existing.range(of: end) {
        updated = existing.replacingCharacters(in: b.lowerBound..<e.upperBound, with: block)
    } else {
        updated = existing + (existing.isEmpty ? "" : "\n") + block + "\n"
    }
    try updated.write(toFile: output, atomically: true, encoding: .utf8)
    say("wrote \(output)")
}
let missed = rows.filter { $0.met == false }.count
say("\(rows.count) measures, \(missed) targets missed")
for c in cleanups.reversed() { c() }
