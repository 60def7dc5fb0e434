import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("Projections equal the replay of the log")
struct ProjectionConsistencyTests {
    /// A random workload of creates, updates, deletes and undos across users, appended through the
    /// store in random batches; afterwards every projection row must equal what the pure `Ledger` computes
    /// from the log, and each user's stored sync hash must equal the hash of their events.
    @Test("random workload with undos", arguments: [1, 2, 3])
    func randomWorkload(seed: UInt64) async throws {
        let (url, store) = try await TestDatabase.store()
        var rng = SplitMix64(seed: seed)
        var users: [EventFactory] = []
        for i in 0..<3 { users.append(EventFactory(user: try await store.createUser(username: "u\(i)"))) }
        var streams: [(user: Int, stream: StreamID, contact: Identifier?)] = []
        for _ in 0..<60 {
            var batch: [Event] = []
            for _ in 0..<(1 + rng.below(4)) {
                let u = rng.below(users.count)
                let contacts = streams.filter { $0.user == u && $0.stream.aggregateType == .contact }
                let roll = rng.below(10)
                if roll < 3 || contacts.isEmpty {
                    let e = users[u].contactCreated(name: "c\(rng.below(1000))")
                    batch.append(e)
                    streams.append((u, e.stream, nil))
                } else if roll < 6 {
                    let contact = contacts[rng.below(contacts.count)].stream.aggregateID
                    let e = users[u].transactionCreated(contact: contact, amount: Int64(1 + rng.below(5000)), direction: rng.below(2) == 0 ? "lent" : "owed")
                    batch.append(e)
                    streams.append((u, e.stream, contact))
                } else {
                    let mine = streams.filter { $0.user == u }
                    let target = mine[rng.below(mine.count)]
                    let history = try await store.stream(target.stream)
                    let version = history.version + 1
                    switch rng.below(4) {
                    case 0 where !history.events.isEmpty:
                        batch.append(users[u].undo(history.events[rng.below(history.events.count)], version: version))
                    case 1:
                        batch.append(users[u].deleted(target.stream.aggregateType, target.stream.aggregateID, version: version))
                    default:
                        if target.stream.aggregateType == .contact {
                            batch.append(users[u].contactUpdated(target.stream.aggregateID, version: version, ["name": .string("n\(rng.below(100))")]))
                        } else {
                            batch.append(users[u].transactionUpdated(target.stream.aggregateID, version: version, amount: Int64(1 + rng.below(900))))
                        }
                    }
                }
            }
            _ = try await store.append(batch, options: .admin)
        }

        var q = EventQuery()
        q.limit = nil
        let log = try await store.events(q)
        #expect(log.count > 80)
        var ledger = Ledger()
        for e in log { ledger.apply(e) }
        #expect(log.contains { $0.eventType == .undo })

        let db = try PQConnection(url)
        var contacts: [String: [String?]] = [:]
        for r in try db.querySync("SELECT id::text, name, is_deleted::text, version::text, balance::text FROM contacts_projection", []) {
            contacts[r[0]!] = Array(r.dropFirst())
        }
        let expectedContacts = ledger.contacts
        let balances = ledger.balances
        #expect(contacts.count == expectedContacts.count)
        for (id, c) in expectedContacts {
            #expect(contacts[id.description] == [c.name, String(c.isDeleted), String(c.version), String(balances[id] ?? 0)], "contact \(id)")
        }
        var transactions: [String: [String?]] = [:]
        for r in try db.querySync("SELECT id::text, amount::text, is_deleted::text, version::text, contact_id::text FROM transactions_projection", []) {
            transactions[r[0]!] = Array(r.dropFirst())
        }
        #expect(transactions.count == ledger.transactions.count)
        for (id, t) in ledger.transactions {
            #expect(transactions[id.description] == [String(t.amount), String(t.isDeleted), String(t.version), t.contactID.description], "transaction \(id)")
        }
        for u in users {
            var expected = SyncHash()
            for e in log where e.userID == u.user { expected.add(e) }
            #expect(try await store.syncHash(of: u.user).hash == expected)
            let total = try db.querySync(
                "SELECT coalesce(sum(balance), 0)::text FROM contacts_projection WHERE user_id = $1::uuid AND NOT is_deleted", [u.user.description])
            #expect(total == [[String(ledger.totals[u.user] ?? 0)]])
        }
    }
}
