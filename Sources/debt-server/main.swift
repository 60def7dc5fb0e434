import DebtCore
import EmbeddedPostgres
import Foundation
import LibPQ

// First cut of the server executable: database administration only. The HTTP server (`serve`) comes
// with the server issue; until then this binary migrates a database, external or embedded.

let usage = """
    usage: debt-server migrate [--database-url URL | --data-dir DIR]
           debt-server dev up [--data-dir DIR]
           debt-server dev down [--data-dir DIR]

    migrate   applies the event store's schema migrations (idempotent; safe to run on every deploy)
    dev up    starts an embedded PostgreSQL in DIR and leaves it running, migrates it, seeds demo data
              (users alice, bob, carol) on first run, and prints the DEBTCTL_DATABASE_URL to use
    dev down  stops it

      --database-url URL   PostgreSQL to migrate (also DATABASE_URL); libpq URL or key=value string
      --data-dir DIR       embedded PostgreSQL kept in DIR (created on first run; default ./.debt-tracker)
      -h, --help           show this help
    """

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("debt-server: \(message)\n".utf8))
    exit(code)
}

var args = Array(CommandLine.arguments.dropFirst())
if args.isEmpty || args.contains("-h") || args.contains("--help") {
    print(usage)
    exit(args.isEmpty ? 2 : 0)
}
let command = args.removeFirst()
var devAction: String?
if command == "dev" {
    guard let action = args.first, action == "up" || action == "down" else { fail("'dev' needs 'up' or 'down'\n\(usage)", code: 2) }
    devAction = args.removeFirst()
} else if command != "migrate" {
    fail("unknown command '\(command)'\n\(usage)", code: 2)
}
var databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"]
var dataDir: String?
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--database-url", "--data-dir":
        guard !args.isEmpty else { fail("\(a) needs a value", code: 2) }
        if a == "--database-url" { databaseURL = args.removeFirst() } else { dataDir = args.removeFirst() }
    default:
        fail("unknown option '\(a)'\n\(usage)", code: 2)
    }
}
if databaseURL != nil, dataDir != nil { fail("--database-url and --data-dir exclude each other", code: 2) }
if let devAction {
    exit(await DevCluster.run(devAction, directory: (dataDir ?? ".debt-tracker") + "/postgres"))
}

var cluster: PostgresCluster?
do {
    if databaseURL == nil {
        let dir = dataDir ?? ".debt-tracker"
        let started = try PostgresCluster.start(.init(directory: dir + "/postgres"))
        cluster = started
        let admin = try PQConnection(started.url())
        if try admin.querySync("SELECT 1 FROM pg_database WHERE datname = 'debt_tracker'", []).isEmpty {
            try admin.executeSync("CREATE DATABASE debt_tracker")
        }
        databaseURL = started.url(database: "debt_tracker")
    }
    let store = EventStore(session: try PQConnection(databaseURL ?? ""))
    let applied = try await store.migrate()
    let version = try await store.schemaVersion()
    print(applied.isEmpty ? "schema is current (version \(version))" : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema at version \(version)")
    cluster?.stop()
} catch let error as SQLError {
    cluster?.stop()
    fail(error.description, code: error.kind == .connection ? 69 : 1)
} catch {
    cluster?.stop()
    fail("\(error)", code: 1)
}
