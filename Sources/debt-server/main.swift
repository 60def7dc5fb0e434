import DebtCore
import DebtServer
import EmbeddedPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging

// Process-wide setup: logging, arguments, the embedded database; everything else is DebtServer's.

let usage = """
    usage: debt-server [serve] [--host H] [--port P] [--database-url URL | --data-dir DIR] [--dev]
           debt-server migrate [--database-url URL | --data-dir DIR]
           debt-server users add NAME [--admin] --password-stdin [--database-url URL | --data-dir DIR]
           debt-server users passwd NAME --password-stdin [--database-url URL | --data-dir DIR]
           debt-server dev up [--data-dir DIR] [--db-port P]
           debt-server dev down [--data-dir DIR]

    serve     runs the Debt Tracker server (REST, sync, WebSocket, admin API); SIGINT/SIGTERM stop it gracefully
    migrate   applies the event store's schema migrations (idempotent; the server also migrates at start)
    users     creates an account or sets its password (read from standard input, never from arguments)
    dev up    starts an embedded PostgreSQL in DIR and leaves it running, migrates it, seeds demo data
              (users alice, bob, carol and admin, with --dev's passwords) on first run, and prints the
              DEBTCTL_DATABASE_URL to use (one already running in DIR is used as it is, on its port);
              dev down stops it

      --host H             address to listen on (HOST; default 127.0.0.1)
      --port P             port (PORT; default 8000)
      --database-url URL   PostgreSQL (DATABASE_URL): postgresql://user[:password]@host[:port]/database[?sslmode=require]
      --data-dir DIR       without a database URL: an embedded PostgreSQL in DIR/postgres, started and stopped with
                           the server (default ./.debt-tracker; one already running there, from dev up, is used and
                           left running); also where the generated JWT secret is kept (mode 0600)
      --dev                development: demo data, and an admin 'admin' with the documented development password
      --db-port P          dev up: the PostgreSQL port on 127.0.0.1 (default 54329)
      -h, --help           show this help

    Environment: DEBT_JWT_SECRET (shared by all instances of a deployment; else generated once into the data dir),
    DEBT_ADMIN_USERNAME and DEBT_ADMIN_PASSWORD (create that admin at start if absent), DEBT_CORS_ORIGINS
    (comma-separated), DEBT_BODY_LIMIT (bytes, default 10485760), DEBT_BCRYPT_COST (default 12),
    DEBT_DB_POOL_SIZE (connections per instance, default 20), DEBT_RATE_LIMIT (requests per second per
    client address, default 500; 0 turns the limit off), LOG_LEVEL.
    """

func fail(_ message: String, code: Int32) -> Never {
    FileHandle.standardError.write(Data("debt-server: \(message)\n".utf8))
    exit(code)
}

let env = ProcessInfo.processInfo.environment
var args = Array(CommandLine.arguments.dropFirst())
if args.contains("-h") || args.contains("--help") {
    print(usage)
    exit(0)
}
var command = "serve"
if let first = args.first, !first.hasPrefix("-") { command = args.removeFirst() }
var subcommand: String?
if command == "dev" || command == "users" {
    guard let s = args.first, !s.hasPrefix("-") else { fail("'\(command)' needs a subcommand\n\(usage)", code: 2) }
    subcommand = args.removeFirst()
}
var positional: [String] = []
var config = ServerConfiguration()
config.host = env["HOST"] ?? config.host
config.port = Int(env["PORT"] ?? "") ?? config.port
config.databaseURL = env["DATABASE_URL"]
if let cost = env["DEBT_BCRYPT_COST"].flatMap(UInt8.init) { config.bcryptCost = cost }  // serve, users, dev up
var dataDir: String?
var devPort: Int?
var admin = false
var passwordFromStdin = false
while !args.isEmpty {
    let a = args.removeFirst()
    func value() -> String {
        guard !args.isEmpty else { fail("\(a) needs a value", code: 2) }
        return args.removeFirst()
    }
    switch a {
    case "--host": config.host = value()
    case "--port":
        let v = value()
        guard let p = Int(v), (1...65535).contains(p) else { fail("--port needs a port number, got '\(v)'", code: 2) }
        config.port = p
    case "--database-url": config.databaseURL = value()
    case "--data-dir": dataDir = value()
    case "--db-port":
        let v = value()
        guard let p = Int(v), (1...65535).contains(p) else { fail("--db-port needs a port number, got '\(v)'", code: 2) }
        guard command == "dev", subcommand == "up" else { fail("--db-port is an option of 'dev up'", code: 2) }
        devPort = p
    case "--dev": config.dev = true
    case "--admin": admin = true
    case "--password-stdin": passwordFromStdin = true
    default:
        if a.hasPrefix("-") { fail("unknown option '\(a)'\n\(usage)", code: 2) }
        positional.append(a)
    }
}
config.dataDirectory = dataDir ?? ".debt-tracker"

switch (command, subcommand) {
case ("dev", let action?):
    guard action == "up" || action == "down" else { fail("'dev' needs 'up' or 'down'", code: 2) }
    exit(await DevCluster.run(action, directory: config.dataDirectory + "/postgres", port: devPort, bcryptCost: config.bcryptCost))
case ("migrate", nil), ("users", "add"), ("users", "passwd"), ("serve", nil):
    break
default:
    fail("unknown command '\([command, subcommand].compactMap { $0 }.joined(separator: " "))'\n\(usage)", code: 2)
}

var embedded: PostgresCluster?
/// The database to use: the configured URL, or the embedded cluster (started now and stopped at exit; one
/// found running there, from `dev up`, is used on its port and left running).
@MainActor
func resolveDatabase() throws -> String {
    if let url = config.databaseURL { return url }
    let cluster = try PostgresCluster.start(.init(directory: config.dataDirectory + "/postgres"))
    embedded = cluster
    let admin = try PQConnection(cluster.url())
    if try admin.querySync("SELECT 1 FROM pg_database WHERE datname = 'debt_tracker'", []).isEmpty {
        try admin.executeSync("CREATE DATABASE debt_tracker")
    }
    return cluster.url(database: "debt_tracker")
}

do {
    let url = try resolveDatabase()
    switch command {
    case "migrate":
        let store = EventStore(session: try PQConnection(url))
        let applied = try await store.migrate()
        let version = try await store.schemaVersion()
        print(applied.isEmpty ? "schema is current (version \(version))" : "applied migrations \(applied.map(String.init).joined(separator: ", ")); schema at version \(version)")
    case "users":
        guard positional.count == 1, let name = positional.first else { fail("users \(subcommand ?? "") needs one NAME", code: 2) }
        guard passwordFromStdin else { fail("give the password on standard input with --password-stdin (never as an argument)", code: 2) }
        let password = (readLine(strippingNewline: true) ?? "")
        guard password.count >= 8 else { fail("the password must have at least 8 characters", code: 2) }
        let store = EventStore(session: try PQConnection(url))
        try await store.migrate()
        let message = try await UserAccounts.set(store: store, name: name, password: password, admin: admin, create: subcommand == "add", cost: config.bcryptCost)
        print(message)
    default:
        config.databaseURL = url
        config.jwtSecret = try JWTSecret.load(environment: env, directory: config.dataDirectory)
        if let origins = env["DEBT_CORS_ORIGINS"] { config.corsOrigins = origins.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        if let limit = env["DEBT_BODY_LIMIT"].flatMap(Int.init) { config.bodyLimit = limit }
        if let pool = env["DEBT_DB_POOL_SIZE"].flatMap(Int.init), pool >= 2 { config.databasePoolSize = pool }
        if let rate = env["DEBT_RATE_LIMIT"].flatMap(Int.init), rate >= 0 { config.requestsPerSecond = rate }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: env["LOG_LEVEL"] ?? "info") ?? .info
            return handler
        }
        let logger = Logger(label: "debt-server")
        let app = try await DebtServerApp.build(configuration: config, logger: logger)
        try await DebtServerApp.run(app, logger: logger)
    }
    embedded?.stop()
} catch let error as SQLError {
    embedded?.stop()
    fail(error.description, code: error.kind == .connection ? 69 : 1)
} catch {
    embedded?.stop()
    fail("\(error)", code: 1)
}
