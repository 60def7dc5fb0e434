import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("Undo through the store")
struct UndoTests {
    let admin = EventMetadata(actor: "admin:root", reason: "entered twice", source: "test")

    @Test("dry run writes nothing; undo appends one UNDO; a second undo adds nothing")
    func undoFlow() async throws {
        let (url, store) = try await TestDatabase.store()
        var f = EventFactory(user: try await store.createUser(username: "u"))
        let c = f.contactCreated()
        let t = f.transactionCreated(contact: c.aggregateID, amount: 2000)
        _ = try await store.append([c, t], options: .client)

        let dry = try await store.undo(eventID: t.id, metadata: admin, dryRun: true)
        #expect(dry.appendedAt == nil)
        #expect(dry.plan.balanceChanges == [BalanceChange(contactID: c.aggregateID, before: 2000, after: 0)])
        #expect(try await store.headPosition() == 2)

        let done = try await store.undo(eventID: t.id, metadata: admin, dryRun: false)
        #expect(done.appendedAt == 3)
        let undo = try #require(try await store.events(EventQuery()).last)
        #expect(undo.eventType == .undo && undo.undoneEventID == t.id)
        #expect(undo.metadata.actor == "admin:root" && undo.metadata.reason == "entered twice")
        let db = try PQConnection(url)
        #expect(try db.querySync("SELECT balance::text FROM contacts_projection", []) == [["0"]])
        #expect(try db.querySync("SELECT count(*)::text FROM transactions_projection", []) == [["0"]])

        let again = try await store.undo(eventID: t.id, metadata: admin, dryRun: false)
        #expect(again.appendedAt == nil)
        #expect(again.plan.alreadyUndoneBy == undo.id)
        #expect(try await store.headPosition() == 3)
    }

    @Test("undo refuses to orphan transactions and says why")
    func refusal() async throws {
        let (_, store) = try await TestDatabase.store()
        var f = EventFactory(user: try await store.createUser(username: "u"))
        let c = f.contactCreated()
        _ = try await store.append([c, f.transactionCreated(contact: c.aggregateID, amount: 1)], options: .client)
        do {
            _ = try await store.undo(eventID: c.id, metadata: admin, dryRun: false)
            Issue.record("undo was allowed")
        } catch StoreError.refused(let r) {
            #expect(r == .contactHasLiveTransactions(contact: c.aggregateID, count: 1))
        }
        #expect(try await store.headPosition() == 2)
    }

    @Test("concurrent undos of one event append exactly one UNDO")
    func concurrentUndo() async throws {
        let (url, store) = try await TestDatabase.store()
        var f = EventFactory(user: try await store.createUser(username: "u"))
        let c = f.contactCreated()
        _ = try await store.append([c], options: .client)
        let meta = admin
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    _ = try await EventStore(session: try PQConnection(url)).undo(eventID: c.id, metadata: meta, dryRun: false)
                }
            }
            try await group.waitForAll()
        }
        var q = EventQuery()
        q.types = [.init(aggregate: nil, type: .undo)]
        #expect(try await store.events(q).count == 1)
    }
}
