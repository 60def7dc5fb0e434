import DebtCore
import Foundation
import LibPQ
import TestSupport

/// A real database with a deterministic ledger (fixed ids and timestamps), and `debtctl` pointed at it.
struct Deployment {
    let url: String
    let store: EventStore
    let alice: Identifier
    let bob: Identifier

    static func id(_ n: UInt64) -> Identifier { Identifier(high: 0x0000_0000_0000_4000 | (n << 16), low: 0x8000_0000_0000_0000 | n) }

    /// alice: Maria (lent 1500, updated to 2500, owed 400), John (lent 700, deleted); bob: Aiko (item).
    static func make() async throws -> Deployment {
        let (url, store) = try await TestDatabase.store()
        let alice = try await store.createUser(id: id(1), username: "alice")
        let bob = try await store.createUser(id: id(2), username: "bob")
        var clock: Int64 = 1_768_694_400_000_000
        func e(_ n: UInt64, _ user: Identifier, _ a: AggregateType, _ agg: UInt64, _ t: EventType, _ data: [String: JSONValue], _ v: Int64) -> Event {
            clock += 60_000_000
            return Event(id: id(1000 + n), aggregateType: a, aggregateID: id(agg), eventType: t, data: data,
                         timestamp: Timestamp(microseconds: clock), version: v, userID: user, metadata: EventMetadata(actor: "test", source: "test"))
        }
        let batch = [
            e(1, alice, .contact, 10, .created, ["name": "Maria Garcia", "phone": "+34 600"], 1),
            e(2, alice, .contact, 11, .created, ["name": "John Smith"], 1),
            e(3, alice, .transaction, 20, .created, ["contact_id": .string(id(10).description), "amount": 1500, "direction": "lent", "description": "Lunch, with \"quotes\""], 1),
            e(4, alice, .transaction, 21, .created, ["contact_id": .string(id(10).description), "amount": 400, "direction": "owed"], 1),
            e(5, alice, .transaction, 22, .created, ["contact_id": .string(id(11).description), "amount": 700, "direction": "lent"], 1),
            e(6, alice, .transaction, 20, .updated, ["amount": 2500, "direction": "lent"], 2),
            e(7, alice, .transaction, 22, .deleted, [:], 2),
            e(8, bob, .contact, 12, .created, ["name": "Aiko Tanaka"], 1),
            e(9, bob, .transaction, 23, .created, ["contact_id": .string(id(12).description), "amount": 1, "direction": "lent", "type": "item", "description": "A book"], 1),
        ]
        let outcomes = try await store.append(batch, options: .admin)
        precondition(outcomes.allSatisfy(\.isAccepted), "\(outcomes)")
        return Deployment(url: url, store: store, alice: alice, bob: bob)
    }

    func debtctl(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run("debtctl", args, environment: ["DEBTCTL_DATABASE_URL": url].merging(env) { $1 }, stdin: stdin)
    }

    func sql(_ statement: String, _ params: [String?] = []) throws -> [[String?]] {
        try PQConnection(url).querySync(statement, params)
    }
}

/// Compares output with a checked-in golden file; `UPDATE_GOLDEN=1` rewrites the files instead.
func golden(_ name: String, _ actual: String, filePath: String = #filePath) -> (expected: String, matches: Bool) {
    let dir = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")
    let file = dir.appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        return (actual, true)
    }
    let expected = (try? String(contentsOf: file, encoding: .utf8)) ?? "<missing golden file \(name)>"
    return (expected, expected == actual)
}
