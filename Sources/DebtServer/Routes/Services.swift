import DebtCore
import Logging

/// What every route needs, built once at start and shared by all requests (no globals).
struct Services: Sendable {
    let configuration: ServerConfiguration
    let database: Database
    /// Every append of a request goes through here (group commit).
    let appends: AppendQueue
    let accounts: AccountDirectory
    let signer: TokenSigner
    let throttle: LoginThrottle
    let hub: NotificationHub
    let rebuilds: RebuildTracker
    let logger: Logger

    var bodyLimit: Int { configuration.bodyLimit }

    func withStore<T>(_ body: (EventStore) async throws -> T) async throws -> T {
        try await database.withStore(body)
    }
}
