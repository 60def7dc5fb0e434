@testable import DebtCore
import Testing

@Suite("Event decoding and validation")
struct EventValidationTests {
    static let contactID = "6f1c2a5e-8a55-4d0e-9b53-0a8b1f2d3c4e"

    static func envelope(_ aggregate: String = "contact", _ type: String = "CREATED", version: JSONValue = 1, data: JSONValue) -> JSONValue {
        .object([
            "id": "0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "aggregate_type": .string(aggregate),
            "aggregate_id": .string(contactID), "event_type": .string(type), "event_data": data,
            "timestamp": "2026-01-18T00:00:00Z", "version": version,
        ])
    }

    @Test("short and full type names are both understood")
    func typeNames() throws {
        let a = try Event(contractJSON: Self.envelope("contact", "CONTACT_CREATED", data: ["name": "A"]))
        let b = try Event(contractJSON: Self.envelope("contact", "CREATED", data: ["name": "A"]))
        #expect(a.eventType == .created && b.eventType == .created)
        #expect(a.fullTypeName == "CONTACT_CREATED")
        #expect(throws: ValidationError.self) { try Event(contractJSON: Self.envelope("contact", "TRANSACTION_CREATED", data: [:])) }
    }

    @Test(
        "the envelope's problems name the field",
        arguments: [
            (envelope("person", data: ["name": "A"]), "aggregate_type"),
            (envelope("contact", "MERGED", data: ["name": "A"]), "event_type"),
            (envelope(version: "1", data: ["name": "A"]), "version"),
            (envelope(data: "name"), "event_data"),
            (.object(["id": "nope"]), "id"),
        ] as [(JSONValue, String)])
    func envelopeErrors(_ json: JSONValue, _ field: String) {
        do {
            _ = try Event(contractJSON: json)
            Issue.record("accepted")
        } catch {
            #expect(error.field == field)
        }
    }

    static func event(_ aggregate: AggregateType, _ type: EventType, _ data: [String: JSONValue], version: Int64? = nil) -> Event {
        Event(
            id: .random(), aggregateType: aggregate, aggregateID: .random(), eventType: type, data: data,
            timestamp: Timestamp(microseconds: 0), version: version ?? (type == .created ? 1 : 2))
    }

    static let contact = Identifier.random().description

    @Test(
        "rules per event type",
        arguments: [
            (event(.contact, .created, [:]), "event_data.name"),
            (event(.contact, .created, ["name": "  "]), "event_data.name"),
            (event(.contact, .created, ["name": 5]), "event_data.name"),
            (event(.contact, .created, ["name": "A", "email": "not-an-email"]), "event_data.email"),
            (event(.contact, .created, ["name": .string(String(repeating: "x", count: 201))]), "event_data.name"),
            (event(.contact, .created, ["name": "A", "notes": "a\u{0}b"]), "event_data"),
            (event(.contact, .created, ["name": "A"], version: 2), "version"),
            (event(.contact, .updated, ["name": "A"], version: 1), "version"),
            (event(.contact, .updated, ["unrelated": "x"]), "event_data"),
            (event(.contact, .updated, ["name": nil]), "event_data.name"),
            (event(.transaction, .created, ["amount": 1, "direction": "lent"]), "event_data.contact_id"),
            (event(.transaction, .created, ["contact_id": "x", "amount": 1, "direction": "lent"]), "event_data.contact_id"),
            (event(.transaction, .created, ["contact_id": .string(contact), "direction": "lent"]), "event_data.amount"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": 12.5, "direction": "lent"]), "event_data.amount"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": -5, "direction": "lent"]), "event_data.amount"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": "5", "direction": "lent"]), "event_data.amount"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": 5, "direction": "gave"]), "event_data.direction"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": 5, "direction": "lent", "type": "loan"]), "event_data.type"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": 5, "direction": "lent", "currency": "usd"]), "event_data.currency"),
            (event(.transaction, .created, ["contact_id": .string(contact), "amount": 5, "direction": "lent", "due_date": "2026-02-30"]), "event_data.due_date"),
            (event(.transaction, .updated, ["amount": 5]), "event_data.direction"),
            (event(.contact, .undo, [:]), "event_data.undone_event_id"),
            (event(.contact, .undo, ["undone_event_id": "nope"]), "event_data.undone_event_id"),
        ] as [(Event, String)])
    func rules(_ event: Event, _ field: String) {
        do {
            try EventValidator.validate(event)
            Issue.record("accepted \(event.data)")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test(
        "valid events pass",
        arguments: [
            event(.contact, .created, ["name": "Ada", "email": "ada@example.com", "phone": "+1", "extra_client_field": true]),
            event(.contact, .updated, ["notes": nil]),
            event(.contact, .deleted, [:]),
            event(.transaction, .created, ["contact_id": .string(contact), "amount": 1500, "direction": "owed", "type": "item",
                                           "currency": "EUR", "transaction_date": "2026-01-18", "due_date": "2026-02-01T00:00:00Z"]),
            event(.transaction, .updated, ["amount": 1.0, "direction": "lent"]),
            event(.transaction, .undo, ["undone_event_id": .string(contact)]),
        ])
    func valid(_ event: Event) {
        #expect(throws: Never.self) { try EventValidator.validate(event) }
    }

    @Test("oversized event data is refused with its size")
    func oversized() {
        var data: [String: JSONValue] = ["name": "A"]
        for i in 0..<40 { data["k\(i)"] = .string(String(repeating: "x", count: 1900)) }
        do {
            try EventValidator.validate(Self.event(.contact, .created, data))
            Issue.record("accepted")
        } catch {
            #expect(error.field == "event_data")
            #expect(error.message.contains("limit"))
        }
    }

    @Test("the size limit counts the canonical text's bytes: exactly the limit passes, one byte more does not")
    func sizeBoundary() throws {
        var data: [String: JSONValue] = ["name": "Ä \"quoted\""]
        for i in 0..<34 { data["k\(i)"] = .string(String(repeating: "é", count: 950)) }
        let size = JSONValue.object(data).canonicalText.utf8.count
        let pad = Limits.eventDataBytes - size - #","zz":"""#.utf8.count
        #expect(pad > 0 && pad < 2000)
        data["zz"] = .string(String(repeating: "y", count: pad))
        #expect(JSONValue.object(data).canonicalText.utf8.count == Limits.eventDataBytes)
        try EventValidator.validate(Self.event(.contact, .created, data))
        data["zz"] = .string(String(repeating: "y", count: pad + 1))
        #expect(throws: ValidationError.self) { try EventValidator.validate(Self.event(.contact, .created, data)) }
    }
}
