import DebtCore
import DebtServer
import EmbeddedPostgres
import Foundation
import LibPQ

/// `debt-server dev up|down`: a development database that outlives the command, with demo data.
enum DevCluster {
    static let defaultPort = 54329

    static func run(_ action: String, directory: String, port: Int?, bcryptCost cost: UInt8) async -> Int32 {
        do {
            if action == "down" {
                try PostgresCluster.stopExisting(directory: directory)
                print("stopped the development database in \(directory)")
                return 0
            }
            let cluster = try PostgresCluster.start(.init(directory: directory, port: port ?? defaultPort, keepRunning: true))
            if let port, port != cluster.port {
                FileHandle.standardError.write(Data("debt-server: the development database in \(directory) already runs on port \(cluster.port), not \(port); using it\n".utf8))
            }
            let admin = try PQConnection(cluster.url())
            if try admin.querySync("SELECT 1 FROM pg_database WHERE datname = 'debt_tracker'", []).isEmpty {
                try admin.executeSync("CREATE DATABASE debt_tracker")
            }
            let url = cluster.url(database: "debt_tracker")
            let store = EventStore(session: try PQConnection(url))
            try await store.migrate()
            // The accounts and passwords `debt-server --dev` documents: a server started on this
            // database (with --dev, which seeds only an empty log, or without) signs them in alike.
            if try await store.session.query("SELECT 1 FROM users WHERE username = 'admin'", []).isEmpty {
                _ = try await UserAccounts.set(store: store, name: "admin", password: DebtServerApp.devAdminPassword, admin: true, create: true, cost: cost)
            }
            if let n = try await DemoData.seedIfEmpty(store, passwordHash: { PasswordHashing.hash(DebtServerApp.devUserPassword, cost: cost) }) {
                print("seeded \(n) demo events for \(DemoData.users.joined(separator: ", ")) (passwords: the README's --dev)")
            }
            print("development database \(cluster.startedByThisObject ? "started" : "already running") in \(directory) on port \(cluster.port)")
            print("export DEBTCTL_DATABASE_URL=\(url)")
            return 0
        } catch {
            FileHandle.standardError.write(Data("debt-server: \(error)\n".utf8))
            return 1
        }
    }
}
