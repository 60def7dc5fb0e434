@testable import DebtCore
import Testing

@Suite("Reducers and replay")
struct StreamReplayTests {
    @Test("updates merge fields; null clears; delete marks; version follows the stream")
    func contactFold() throws {
        var f = TestEvents()
        let id = Identifier.random()
        let created = f.make(.contact, id, .created, ["name": "Ada", "phone": "1", "email": "a@b.c"], 1)
        let updated = f.make(.contact, id, .updated, ["name": "Ada L.", "phone": nil], 2)
        let deleted = f.make(.contact, id, .deleted, [:], 3)
        let replay = StreamReplay([deleted, created, updated])
        guard case .contact(let c)? = replay.state else { Issue.record("no state"); return }
        #expect(c.name == "Ada L.")
        #expect(c.phone == nil)
        #expect(c.email == "a@b.c")
        #expect(c.isDeleted)
        #expect(c.version == 3)
        #expect(c.createdAt == created.timestamp)
        #expect(c.updatedAt == deleted.timestamp)
    }

    /// Each case: the stream as a list of steps, and the expected (exists, deleted, amount) afterwards.
    /// Steps: "c" create (amount 100), "u<n>" update amount to n, "d" delete, "x<i>" undo step i.
    @Test(
        "undo and redo, table-driven",
        arguments: [
            (["c"], true, false, 100),
            (["c", "u200"], true, false, 200),
            (["c", "u200", "x1"], true, false, 100),
            (["c", "u200", "u300", "x1"], true, false, 300),
            (["c", "u200", "u300", "x2"], true, false, 200),
            (["c", "u200", "u300", "x2", "x1"], true, false, 100),
            (["c", "d"], true, true, 100),
            (["c", "d", "x1"], true, false, 100),
            (["c", "x0"], false, false, 0),
            (["c", "x0", "x1"], true, false, 100),
            (["c", "x0", "x1", "x2"], false, false, 0),
            (["c", "u200", "x0"], false, false, 0),
            (["c", "u200", "x1", "x2"], true, false, 200),
            (["c", "u200", "x1", "x2", "x3"], true, false, 100),
            (["c", "d", "x1", "u500"], true, false, 500),
        ] as [([String], Bool, Bool, Int)])
    func undoTable(_ steps: [String], _ exists: Bool, _ deleted: Bool, _ amount: Int) {
        var f = TestEvents()
        let id = Identifier.random()
        let contact = Identifier.random()
        var events: [Event] = []
        for (i, s) in steps.enumerated() {
            let v = Int64(i + 1)
            switch s.first {
            case "c": events.append(f.make(.transaction, id, .created, ["contact_id": .string(contact.description), "amount": 100, "direction": "lent"], v))
            case "u": events.append(f.make(.transaction, id, .updated, ["amount": .integer(Int64(s.dropFirst())!), "direction": "lent"], v))
            case "d": events.append(f.make(.transaction, id, .deleted, [:], v))
            default: events.append(f.undo(events[Int(s.dropFirst())!], v))
            }
        }
        let state = StreamReplay(events).state
        // A replay of the log folds the same stream read as `LoggedEvent`s.
        #expect(StreamReplay(events.map(LoggedEvent.init)).state == state)
        #expect((state != nil) == exists)
        guard case .transaction(let t)? = state else { return }
        #expect(t.isDeleted == deleted)
        #expect(t.amount == Int64(amount))
        #expect(t.version == Int64(steps.count))
    }

    @Test("balances: lent counts plus, owed minus, deleted and items nothing; totals skip deleted contacts")
    func ledger() {
        var f = TestEvents()
        var ledger = Ledger()
        let a = f.contact(name: "A")
        let b = f.contact(name: "B")
        let t1 = f.transaction(contact: a.aggregateID, amount: 1000)
        let t2 = f.transaction(contact: a.aggregateID, amount: 300, direction: "owed")
        let t3 = f.transaction(contact: a.aggregateID, amount: 5000, kind: "item")
        let t4 = f.transaction(contact: b.aggregateID, amount: 700)
        let t5 = f.transaction(contact: b.aggregateID, amount: 50)
        for e in [a, b, t1, t2, t3, t4, t5] { ledger.apply(e) }
        ledger.apply(f.make(.transaction, t5.aggregateID, .deleted, [:], 2))
        #expect(ledger.balances == [a.aggregateID: 700, b.aggregateID: 700])
        #expect(ledger.totals == [f.user: 1400])
        ledger.apply(f.make(.contact, b.aggregateID, .deleted, [:], 2))
        #expect(ledger.balances[b.aggregateID] == 700)
        #expect(ledger.totals == [f.user: 700])
    }
}
