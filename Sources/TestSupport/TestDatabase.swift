public import DebtCore
public import EmbeddedPostgres
import Foundation
import LibPQ

/// One throwaway PostgreSQL cluster per test process, started on first use and stopped at exit; each
/// test gets its own freshly migrated database in it, so tests run in parallel without sharing rows.
public enum TestDatabase {
    private static let shared = Result { () throws -> PostgresCluster in
        let cluster = try PostgresCluster.start(.init(durable: false))
        atexit { TestDatabase.stopShared() }
        return cluster
    }

    private static func stopShared() {
        if case .success(let c) = shared { c.stop() }
    }

    /// The cluster all tests of this process share.
    public static func cluster() throws -> PostgresCluster { try shared.get() }

    /// A new, migrated database; returns its URL.
    public static func create(migrated: Bool = true) async throws -> String {
        let cluster = try cluster()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let admin = try PQConnection(cluster.url())
        try admin.executeSync("CREATE DATABASE \(name)")
        let url = cluster.url(database: name)
        if migrated { try await EventStore(session: try PQConnection(url)).migrate() }
        return url
    }

    /// A new migrated database and a store on a fresh connection to it.
    public static func store() async throws -> (url: String, store: EventStore) {
        let url = try await create()
        return (url, EventStore(session: try PQConnection(url)))
    }
}
