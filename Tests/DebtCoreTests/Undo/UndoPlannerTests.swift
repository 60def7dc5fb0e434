@testable import DebtCore
import Testing

@Suite("Undo planning")
struct UndoPlannerTests {
    let meta = EventMetadata(actor: "admin:root", reason: "wrong amount", source: "test")
    let now = Timestamp(microseconds: 1_800_000_000_000_000)

    @Test("undoing an update shows before and after and the balance change")
    func undoUpdate() throws {
        var f = TestEvents()
        let contact = Identifier.random()
        let created = f.transaction(contact: contact, amount: 1000)
        let updated = f.make(.transaction, created.aggregateID, .updated, ["amount": 2500, "direction": "lent"], 2)
        let planner = UndoPlanner(history: StreamReplay([created, updated]))
        #expect(planner.referencedContacts == [contact])
        let context = UndoPlanner.Context(balances: [contact: 2500], liveContacts: [contact])
        let plan = try planner.plan(target: updated.id, undoID: .random(), now: now, metadata: meta, context: context)
        let undo = try #require(plan.undoEvent)
        #expect(undo.eventType == .undo && undo.version == 3 && undo.userID == f.user)
        #expect(undo.undoneEventID == updated.id)
        #expect(undo.metadata.reason == "wrong amount" && undo.metadata.causationID == updated.id)
        #expect(plan.balanceChanges == [BalanceChange(contactID: contact, before: 2500, after: 1000)])
        #expect(plan.totalDelta == -1500)
        guard case .transaction(let after)? = plan.after else { Issue.record("no after"); return }
        #expect(after.amount == 1000)
        #expect(!plan.isRedo)
    }

    @Test("a second undo of the same event plans nothing")
    func idempotent() throws {
        var f = TestEvents()
        let c = f.contact()
        let u = f.make(.contact, c.aggregateID, .updated, ["name": "B"], 2)
        let undo = f.undo(u, 3)
        let plan = try UndoPlanner(history: StreamReplay([c, u, undo])).plan(
            target: u.id, undoID: .random(), now: now, metadata: meta, context: .init())
        #expect(plan.undoEvent == nil)
        #expect(plan.alreadyUndoneBy == undo.id)
    }

    @Test("undoing an UNDO redoes")
    func redo() throws {
        var f = TestEvents()
        let c = f.contact()
        let d = f.make(.contact, c.aggregateID, .deleted, [:], 2)
        let undo = f.undo(d, 3)
        let plan = try UndoPlanner(history: StreamReplay([c, d, undo])).plan(
            target: undo.id, undoID: .random(), now: now, metadata: meta, context: .init(balances: [c.aggregateID: 40]))
        #expect(plan.isRedo)
        #expect(plan.before?.isDeleted == false)
        #expect(plan.after?.isDeleted == true)
        #expect(plan.totalDelta == -40)
    }

    @Test("a contact with live transactions cannot lose its creation")
    func contactGuard() {
        var f = TestEvents()
        let c = f.contact()
        let planner = UndoPlanner(history: StreamReplay([c]))
        #expect(throws: UndoRefusal.contactHasLiveTransactions(contact: c.aggregateID, count: 2)) {
            try planner.plan(target: c.id, undoID: .random(), now: now, metadata: meta, context: .init(liveTransactionCount: 2))
        }
        #expect(throws: Never.self) {
            try planner.plan(target: c.id, undoID: .random(), now: now, metadata: meta, context: .init(liveTransactionCount: 0))
        }
    }

    @Test("a transaction cannot come back onto a deleted contact")
    func transactionGuard() {
        var f = TestEvents()
        let contact = Identifier.random()
        let t = f.transaction(contact: contact, amount: 10)
        let d = f.make(.transaction, t.aggregateID, .deleted, [:], 2)
        let planner = UndoPlanner(history: StreamReplay([t, d]))
        #expect(throws: UndoRefusal.contactNotLive(transaction: t.aggregateID, contact: contact)) {
            try planner.plan(target: d.id, undoID: .random(), now: now, metadata: meta, context: .init(liveContacts: []))
        }
        #expect(throws: UndoRefusal.targetNotFound(c)) {
            try planner.plan(target: c, undoID: .random(), now: now, metadata: meta, context: .init())
        }
    }
    let c = Identifier.random()
}
