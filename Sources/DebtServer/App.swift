import DebtCore
import Foundation
import HTTPTypes
public import Hummingbird
import HummingbirdWebSocket
public import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the server: the database pool, migrations, the first admin, the routes and the services
/// that run beside them (the pool, the notification listener).
public enum DebtServerApp {
    public static func build(configuration: ServerConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
        guard let url = configuration.databaseURL, let address = DatabaseAddress(url: url) else {
            throw ConfigurationError("the database URL must look like postgresql://user[:password]@host[:port]/database")
        }
        guard configuration.jwtSecret.count >= 32 else { throw ConfigurationError("the JWT secret must have at least 32 bytes") }
        let database = Database(address: address, poolSize: configuration.databasePoolSize, logger: logger)
        let services = Services(
            configuration: configuration, database: database, appends: AppendQueue(database: database),
            accounts: AccountDirectory(database: database),
            signer: TokenSigner(secret: configuration.jwtSecret), throttle: LoginThrottle(limit: configuration.loginAttemptsPerMinute),
            hub: NotificationHub(), rebuilds: RebuildTracker(), logger: logger)

        let router = Router(context: AppContext.self)
        router.add(middleware: APIMiddleware())
        if configuration.requestsPerSecond > 0 {
            router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(rate: Double(configuration.requestsPerSecond))))
        }
        if !configuration.corsOrigins.isEmpty {
            router.add(middleware: CORSMiddleware(
                allowOrigin: configuration.corsOrigins == ["*"] ? .all : .custom(configuration.corsOrigins.joined(separator: ", ")),
                allowHeaders: [.authorization, .contentType, .ifMatch] + [HTTPField.Name.idempotencyKey].compactMap { $0 },
                allowMethods: [.get, .post, .put, .delete, .options]))
        }
        router.add(middleware: AuthMiddleware(signer: services.signer, accounts: services.accounts))
        HealthRoutes(services: services).register(router)
        AuthRoutes(services: services).register(router)
        SyncRoutes(services: services).register(router)
        AggregateRoutes(services: services, kind: .contact).register(router)
        AggregateRoutes(services: services, kind: .transaction).register(router)
        SettingsRoutes(services: services).register(router)
        AdminRoutes(services: services).register(router)
        WebSocketRoutes(services: services).register(router)
        AdminPageRoutes().register(router)

        var app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router, configuration: .init(autoPing: .enabled(timePeriod: .seconds(30)))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "debt-server"),
            services: [database.client],
            logger: logger)
        app.beforeServerStarts {
            try await startup(services)
        }
        app.addServices(ListenerService(hub: services.hub, database: database, logger: logger))
        return app
    }

    /// Runs `app` until SIGTERM or SIGINT. Shutdown is graceful (the listener closes, requests in
    /// flight finish) for at most 30 s; then what still runs is cancelled, and after 5 s more the
    /// process ends anyway: a request that never finishes must not keep a stopped server alive.
    public static func run(_ app: some ApplicationProtocol, logger: Logger) async throws {
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(30)
        configuration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// Migrates, creates the first admin from the environment, seeds demo data with `--dev`.
    static func startup(_ services: Services) async throws {
        let applied = try await services.withStore { try await $0.migrate() }
        if !applied.isEmpty { services.logger.info("applied migrations", metadata: ["versions": .string(applied.map(String.init).joined(separator: ","))]) }
        let env = ProcessInfo.processInfo.environment
        if let name = env["DEBT_ADMIN_USERNAME"], let password = env["DEBT_ADMIN_PASSWORD"] {
            try await ensureAdmin(services, name: name, password: password)
        } else if services.configuration.dev {
            try await ensureAdmin(services, name: "admin", password: DebtServerApp.devAdminPassword)
        }
        if services.configuration.dev {
            let cost = services.configuration.bcryptCost
            let seeded = try await services.withStore { store in
                try await DemoData.seedIfEmpty(store) { try await Passwords.hash(DebtServerApp.devUserPassword, cost: cost) }
            }
            if let n = seeded {
                services.logger.info("seeded demo data", metadata: ["events": .stringConvertible(n)])
            }
        }
    }

    /// The development admin's password (`--dev` and `debt-server dev up` only; documented in the README).
    public static let devAdminPassword = "admin-dev-password"
    /// The demo users' password (`--dev` and `debt-server dev up` only).
    public static let devUserPassword = "demo-password"

    static func ensureAdmin(_ services: Services, name: String, password: String) async throws {
        guard try await services.accounts.byName(name) == nil else { return }
        try Passwords.validate(password)
        let hash = try await Passwords.hash(password, cost: services.configuration.bcryptCost)
        _ = try await services.withStore { try await $0.createUser(username: name, passwordHash: hash, isAdmin: true) }
        services.logger.info("created admin account", metadata: ["username": .string(name)])
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// Runs the NOTIFY listener for the application's lifetime.
struct ListenerService: Service {
    let hub: NotificationHub
    let database: Database
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await hub.listen(database: database, logger: logger)
        }
    }
}
