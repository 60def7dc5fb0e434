import DebtCore
import Foundation
import Testing

/// Devices simulated with `SyncDevice` (local log, push unsynced, pull by cursor, hash compare,
/// resend after lost responses) against the real server and PostgreSQL.
@Suite("Local-first sync: simulated devices")
struct LocalFirstSyncTests {
    /// What every party must agree on: contact names and balances, transaction amounts.
    struct Snapshot: Equatable, CustomStringConvertible {
        var contacts: [Identifier: String] = [:]
        var balances: [Identifier: Int64] = [:]
        var amounts: [Identifier: Int64] = [:]
        var description: String { "contacts \(contacts.values.sorted()), balances \(balances.values.sorted()), amounts \(amounts.values.sorted())" }
    }

    static func snapshot(_ l: Ledger) -> Snapshot {
        var s = Snapshot()
        for (id, c) in l.contacts where !c.isDeleted { s.contacts[id] = c.name }
        for (id, b) in l.balances where s.contacts[id] != nil { s.balances[id] = b }
        for (id, t) in l.transactions where !t.isDeleted { s.amounts[id] = t.amount }
        return s
    }

    static func serverSnapshot(_ s: ServerProcess, _ token: String) async throws -> Snapshot {
        var out = Snapshot()
        for c in try await s.request("GET", "/api/contacts", token: token).json.arrayValue ?? [] {
            guard let id = c["id"]?.stringValue.flatMap({ Identifier($0) }) else { continue }
            out.contacts[id] = c["name"]?.stringValue
            out.balances[id] = c["balance"]?.integerValue
        }
        for t in try await s.request("GET", "/api/transactions", token: token).json.arrayValue ?? [] {
            guard let id = t["id"]?.stringValue.flatMap({ Identifier($0) }) else { continue }
            out.amounts[id] = t["amount"]?.integerValue
        }
        return out
    }

    @Test("three devices edit offline and sync in every order: identical state on every device and the server; the losing edits are reported")
    func everyOrder() async throws {
        let s = try await ServerProcess.start()
        let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        for (n, order) in orders.enumerated() {
            let (token, _) = try await s.login("owner\(n)")
            let devices = ["phone", "tablet", "laptop"].map { SyncDevice(name: $0, baseURL: s.url, token: token) }
            let (a, b, c) = (devices[0], devices[1], devices[2])
            let shared = a.createContact("Shared")
            let other = a.createContact("Other")
            let loan = a.lend(shared, 1000)
            try await a.sync()
            try await b.sync()
            try await c.sync()

            // Offline edits. Both a and b rename `shared`; both a and c change `loan`: the first to sync
            // wins each, the other's edit is refused as stale and reported. The rest never conflicts.
            a.renameContact(shared, "Shared (phone)")
            a.changeAmount(loan, 1200)
            b.renameContact(shared, "Shared (tablet)")
            b.lend(other, 500, direction: "owed")
            let friend = c.createContact("Laptop's friend")
            c.lend(friend, 250)
            c.changeAmount(loan, 1500)
            let made = devices.map { $0.pending.count }

            for i in order { try await devices[i].sync() }
            for d in devices { try await d.pull() }

            let server = try await Self.serverSnapshot(s, token)
            for d in devices {
                #expect(d.pending.isEmpty, "order \(order): \(d.name) still has \(d.pending.count) pending")
                #expect(Self.snapshot(d.ledger) == server, "order \(order): \(d.name) \(Self.snapshot(d.ledger)) vs server \(server)")
                #expect(try await d.hashMatches(), "order \(order): \(d.name)'s log differs from the server's")
            }
            // Who won, and who was told.
            let renameWinner = order.first { $0 == 0 || $0 == 1 }!
            let amountWinner = order.first { $0 == 0 || $0 == 2 }!
            #expect(server.contacts[shared] == (renameWinner == 0 ? "Shared (phone)" : "Shared (tablet)"))
            #expect(server.amounts[loan] == (amountWinner == 0 ? 1200 : 1500))
            #expect(server.contacts.count == 3 && server.amounts.count == 3)
            let expectedConflicts = [
                (renameWinner == 0 ? 0 : 1) + (amountWinner == 0 ? 0 : 1),  // phone loses what it did not win
                renameWinner == 1 ? 0 : 1,
                amountWinner == 2 ? 0 : 1,
            ]
            for (i, d) in devices.enumerated() {
                #expect(d.conflicts.count == expectedConflicts[i], "order \(order): \(d.name) conflicts \(d.conflicts.map(\.reason))")
                #expect(d.conflicts.allSatisfy { $0.reason.contains("version") }, "\(d.conflicts.map(\.reason))")
                // Nothing silently dropped: every edit is either acknowledged or reported.
                #expect(d.acknowledged.count + d.conflicts.count == made[i] + (i == 0 ? 3 : 0))
            }
        }
    }

    @Test("a push whose response is lost after the commit: the resend is accepted and adds nothing")
    func lostResponse() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let d = SyncDevice(name: "phone", baseURL: s.url, token: token)
        let grace = d.createContact("Grace")
        d.lend(grace, 700)
        d.renameContact(grace, "Grace Hopper")
        try await d.push(loseResponse: true)
        #expect(d.pending.count == 3, "the device does not know the server has them")
        #expect(try await s.request("GET", "/api/sync/hash", token: token).json["event_count"] == .integer(3))
        try await d.push()
        #expect(d.pending.isEmpty && d.acknowledged.count == 3 && d.conflicts.isEmpty)
        try await d.pull()
        #expect(d.confirmed.count == 3)
        #expect(try await s.request("GET", "/api/sync/hash", token: token).json["event_count"] == .integer(3))
        #expect(try await d.hashMatches())
        #expect(Self.snapshot(d.ledger) == (try await Self.serverSnapshot(s, token)))
    }

    @Test("a stale version is a reported conflict; the device then shows the server's state")
    func staleVersion() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let a = SyncDevice(name: "phone", baseURL: s.url, token: token)
        let b = SyncDevice(name: "tablet", baseURL: s.url, token: token)
        let grace = a.createContact("Grace")
        try await a.sync()
        try await b.sync()
        a.renameContact(grace, "from phone")
        b.renameContact(grace, "from tablet")
        try await a.sync()
        try await b.push()
        #expect(b.conflicts.count == 1 && b.conflicts.first?.reason.contains("version") == true)
        #expect(b.conflicts.first?.event.data["name"] == "from tablet", "the refused edit is kept for the user")
        try await b.pull()
        #expect(b.ledger.contacts[grace]?.name == "from phone")
        #expect(try await b.hashMatches())
    }
}
