@testable import DebtCore
import Testing

@Suite("Sync hash")
struct SyncHashTests {
    /// The contract fields of a fixed event; its canonical text and digest were computed independently
    /// (Python's hashlib over the literal text below), pinning the definition clients implement.
    static let event = Event(
        id: Identifier("0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718")!, aggregateType: .contact,
        aggregateID: Identifier("6F1C2A5E-8A55-4D0E-9B53-0A8B1F2D3C4E")!, eventType: .created,
        data: ["phone": "+1234567890", "name": "José \"J\" Doe"],
        timestamp: Timestamp(rfc3339: "2026-01-18T01:00:00.12+01:00")!, version: 1, position: 99,
        userID: .random(), metadata: EventMetadata(actor: "ignored", reason: "ignored"))

    @Test("an event's digest is SHA-256 of its canonical contract JSON")
    func digest() {
        #expect(
            SyncHashTests.event.contractJSON.canonicalText
                == #"{"aggregate_id":"6f1c2a5e-8a55-4d0e-9b53-0a8b1f2d3c4e","aggregate_type":"contact","event_data":{"name":"José \"J\" Doe","phone":"+1234567890"},"event_type":"CREATED","id":"0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718","timestamp":"2026-01-18T00:00:00.120Z","version":1}"#
        )
        #expect(hexString(SyncHashTests.event.digest) == "d78fb342a464190a024caa20b9b734f68dc194e7446b557990dbc4afa45f96f2")
    }

    @Test("the digest written field by field equals SHA-256 of contractJSON's canonical text", arguments: [
        [:],
        ["name": "A"],
        ["z": 1, "a": ["b": [1, 2.5, nil, true]], "é": "\u{7}\n\\\"", "A": -9_007_199_254_740_993],
        ["undone_event_id": "0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "": "", "aa": ["x": ["y": "例"]]],
    ] as [[String: JSONValue]])
    func digestMatchesContractJSON(data: [String: JSONValue]) {
        for (type, version) in [(EventType.created, Int64(1)), (.undo, 12_345_678_901)] {
            var e = SyncHashTests.event
            e.data = data
            e.eventType = type
            e.version = version
            e.aggregateType = .transaction
            #expect(e.digest == SHA256.hash(e.contractJSON.canonicalText.utf8))
        }
    }

    @Test("the hash is the sum of digests mod 2^256: equal digests do not cancel")
    func sum() {
        var h = SyncHash()
        #expect(h.hex == String(repeating: "0", count: 64))
        h.add(SyncHashTests.event)
        h.add(SyncHashTests.event)
        #expect(h.hex == "af1f668548c8321404995441736e69ed1b8329ce88d6aaf321b7895f48bf2de4")
        #expect(h.count == 2)
    }

    @Test("order does not matter")
    func orderIndependent() {
        var f = TestEvents()
        let events = (0..<20).map { _ in f.contact() }
        var a = SyncHash()
        var b = SyncHash()
        for e in events { a.add(e) }
        for e in events.reversed() { b.add(e) }
        #expect(a == b)
        var c = SyncHash()
        for e in events.dropLast() { c.add(e) }
        #expect(c != a)
        #expect(SyncHash(hex: a.hex, count: a.count) == a)
    }
}

/// A small event builder for the pure tests (the database tests use TestSupport's).
struct TestEvents {
    let user = Identifier.random()
    var clock: Int64 = 1_768_694_400_000_000

    mutating func make(_ a: AggregateType, _ id: Identifier, _ t: EventType, _ data: [String: JSONValue], _ v: Int64) -> Event {
        clock += 1_000_000
        return Event(
            id: .random(), aggregateType: a, aggregateID: id, eventType: t, data: data,
            timestamp: Timestamp(microseconds: clock), version: v, userID: user)
    }

    mutating func contact(_ id: Identifier = .random(), name: String = "Ada") -> Event {
        make(.contact, id, .created, ["name": .string(name)], 1)
    }

    mutating func transaction(_ id: Identifier = .random(), contact: Identifier, amount: Int64, direction: String = "lent", kind: String = "money") -> Event {
        make(.transaction, id, .created, ["contact_id": .string(contact.description), "amount": .integer(amount), "direction": .string(direction), "type": .string(kind)], 1)
    }

    mutating func undo(_ target: Event, _ v: Int64) -> Event {
        make(target.aggregateType, target.aggregateID, .undo, ["undone_event_id": .string(target.id.description)], v)
    }
}
