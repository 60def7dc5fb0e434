@testable import DebtCore
import Testing

@Suite("Append planner (pure)")
struct AppendPlannerTests {
    let now = Timestamp(microseconds: 1_768_700_000_000_000)

    func snapshot(head: Int64 = 0, stored: [Event] = [], contacts: [Identifier: ContactFacts] = [:]) -> AppendSnapshot {
        var s = AppendSnapshot(headPosition: head, now: now)
        for e in stored {
            s.histories[e.stream, default: StreamReplay()].apply(e)
            s.existing[e.id] = (e.digest, e.position ?? 0)
        }
        s.contacts = contacts
        return s
    }

    @Test("a batch creates a contact, then its transaction, at dense positions")
    func batchOrder() {
        var f = TestEvents()
        let c = f.contact()
        let t = f.transaction(contact: c.aggregateID, amount: 500)
        let plan = AppendPlanner(options: .client).plan([c, t], snapshot: snapshot(head: 41))
        #expect(plan.outcomes == [.appended(position: 42), .appended(position: 43)])
        #expect(plan.appended.map(\.position) == [42, 43])
        #expect(plan.balanceContacts == [c.aggregateID])
        #expect(plan.syncHashes[f.user]?.count == 2)
        #expect(plan.headPosition == 43)
    }

    @Test("re-sent ids: same data is a duplicate, other data a conflict, also within one batch")
    func resend() {
        var f = TestEvents()
        var c = f.contact()
        c.position = 7
        var other = c
        other.data["name"] = "Mallory"
        let plan = AppendPlanner(options: .client).plan([c, other], snapshot: snapshot(head: 7, stored: [c]))
        #expect(plan.outcomes[0] == .duplicate(position: 7))
        guard case .conflict(let m) = plan.outcomes[1] else { Issue.record("\(plan.outcomes[1])"); return }
        #expect(m.kind == .idReused && m.message.contains("already used"))
        #expect(plan.appended.isEmpty)

        let fresh = f.contact()
        let twice = AppendPlanner(options: .client).plan([fresh, fresh], snapshot: snapshot())
        #expect(twice.outcomes == [.appended(position: 1), .duplicate(position: 1)])
    }

    @Test("a stale version is a conflict that names both versions")
    func staleVersion() {
        var f = TestEvents()
        var c = f.contact()
        c.position = 1
        let u1 = f.make(.contact, c.aggregateID, .updated, ["name": "B"], 2)
        let u2 = f.make(.contact, c.aggregateID, .updated, ["name": "C"], 2)
        let plan = AppendPlanner(options: .client).plan([u1, u2], snapshot: snapshot(head: 1, stored: [c]))
        #expect(plan.outcomes[0] == .appended(position: 2))
        #expect(plan.outcomes[1] == .conflict(.init(.version, "version conflict on \(c.stream): it is at version 2, the event expects 1")))
    }

    @Test("another user's stream and another user's contact are refused")
    func tenancy() {
        var alice = TestEvents()
        var bob = TestEvents()
        var c = alice.contact()
        c.position = 1
        let intrude = bob.make(.contact, c.aggregateID, .updated, ["name": "pwned"], 2)
        let steal = bob.transaction(contact: c.aggregateID, amount: 1)
        let facts = [c.aggregateID: ContactFacts(userID: alice.user, isLive: true, balance: 0, liveTransactions: 0)]
        let plan = AppendPlanner(options: .client).plan([intrude, steal], snapshot: snapshot(head: 1, stored: [c], contacts: facts))
        #expect(plan.outcomes.allSatisfy { !$0.isAccepted })
        #expect(plan.outcomes[0] == .conflict(.init(.otherUser, "stream \(c.stream) belongs to another user")))
        #expect(plan.outcomes[1] == .conflict(.init(.contactUnavailable, "contact \(c.aggregateID) does not exist or is deleted")))
    }

    @Test("updating a missing or deleted aggregate is a conflict; invalid events are invalid")
    func states() {
        var f = TestEvents()
        let ghost = f.make(.contact, .random(), .updated, ["name": "x"], 2)
        let bad = f.make(.contact, .random(), .created, [:], 1)
        let plan = AppendPlanner(options: .client).plan([ghost, bad], snapshot: snapshot())
        #expect(plan.outcomes[0] == .conflict(.init(.notFound, "\(ghost.stream) does not exist")))
        #expect(plan.outcomes[1] == .invalid(ValidationError("event_data.name", "is required")))
    }

    @Test("clients may undo only within the window; admins any time")
    func undoWindow() {
        var f = TestEvents()
        var c = f.contact()
        c.position = 1
        c.recordedAt = Timestamp(microseconds: now.microseconds - 6_000_000)
        let undo = f.undo(c, 2)
        let s = snapshot(head: 1, stored: [c], contacts: [c.aggregateID: ContactFacts(userID: f.user, isLive: true, balance: 0, liveTransactions: 0)])
        #expect(AppendPlanner(options: .client).plan([undo], snapshot: s).outcomes == [.conflict(.init(.undoRefused, UndoRefusal.outsideUndoWindow(target: c.id, seconds: 5).description))])
        #expect(AppendPlanner(options: .admin).plan([undo], snapshot: s).outcomes == [.appended(position: 2)])
        let after = AppendPlanner(options: .admin).plan([undo], snapshot: s)
        #expect(after.states[c.stream] == .some(nil))
    }

    @Test("an undo the rules refuse is a conflict, not a write")
    func undoGuard() {
        var f = TestEvents()
        var c = f.contact()
        c.position = 1
        let s = snapshot(head: 1, stored: [c], contacts: [c.aggregateID: ContactFacts(userID: f.user, isLive: true, balance: 100, liveTransactions: 1)])
        let plan = AppendPlanner(options: .admin).plan([f.undo(c, 2)], snapshot: s)
        #expect(plan.outcomes == [.conflict(.init(.undoRefused, UndoRefusal.contactHasLiveTransactions(contact: c.aggregateID, count: 1).description))])
        #expect(plan.appended.isEmpty)
    }
}
