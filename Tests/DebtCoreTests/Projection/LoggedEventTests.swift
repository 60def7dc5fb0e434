@testable import DebtCore
import Testing

/// A replay of the log reads each event's data as JSON text into a `LoggedEvent`; everything else reads
/// it into an `Event`'s dictionary. The reducers must make the same state of both.
@Suite("Events as a replay of the log reads them")
struct LoggedEventTests {
    /// A `LoggedEvent` from `json` as the database would hand it over, and the `Event` the same text
    /// parses into.
    func both(_ aggregate: AggregateType, _ type: EventType, _ json: String, version: Int64 = 1, id: Identifier = Identifier(high: 7, low: 9))
        throws -> (LoggedEvent, Event)
    {
        let data = try JSONValue(parsing: json).objectValue ?? [:]
        let event = Event(
            id: .random(), aggregateType: aggregate, aggregateID: id, eventType: type, data: data,
            timestamp: Timestamp(microseconds: 1_700_000_000_000_000 + version), version: version, position: version,
            userID: Identifier(high: 1, low: 2))
        let logged = try Array(json.utf8).withUnsafeBufferPointer { (b) throws(JSONParseError) in
            try LoggedEvent(
                id: event.id, aggregateType: aggregate, aggregateID: id, eventType: type, timestamp: event.timestamp,
                version: version, position: version, userID: event.userID, data: b)
        }
        return (logged, event)
    }

    /// The replay's reading of `json` alone (`both` parses it with the dictionary's parser first).
    func replayRead(_ json: String) throws(JSONParseError) -> LoggedEvent { try replayRead(Array(json.utf8)) }

    func replayRead(_ bytes: [UInt8]) throws(JSONParseError) -> LoggedEvent {
        try bytes.withUnsafeBufferPointer { (b) throws(JSONParseError) in
            try LoggedEvent(
                id: .random(), aggregateType: .contact, aggregateID: .random(), eventType: .created, timestamp: Timestamp(microseconds: 0),
                version: 1, position: 1, userID: nil, data: b)
        }
    }

    static let contact = Identifier(high: 0x1234, low: 0x5678).description

    @Test(
        "the same transaction from the text and from the dictionary: escapes, number spellings, non-string values, unknown and nested members",
        arguments: [
            // jsonb's own spelling: a space after each colon and comma, keys by length.
            #"{"type": "money", "amount": 1500, "currency": "EUR", "direction": "lent", "contact_id": "\#(contact)", "description": "Lunch"}"#,
            #"{"contact_id":"\#(contact)","amount":1500.0,"direction":"owed","description":"tab\tquote\" back\\ \u00e9 \ud83d\udcb8"}"#,
            #"{"contact_id":"\#(contact)","amount":1.5e3,"direction":"lent","comment":null,"due_date":"2026-02-01","transaction_date":"2026-01-01"}"#,
            #"{"contact_id":"\#(contact)","amount":-0,"direction":"sideways","type":"item","currency":7,"description":{"nested":[1,2,{"x":"y"}]}}"#,
            #"{"contact_id":"\#(contact)","amount":123456789012345678,"direction":"lent","extra":{"contact_id":"not this one"},"list":[true,false,null]}"#,
            #"{"contact_id":"\#(contact)","amount":9223372036854775807,"direction":"lent","description":"Ünïcødé ✓"}"#,
            #"{"contact_id":"\#(contact)","amount":1e30,"direction":"lent"}"#,
            #"{"contact_id":"\#(contact)","amount":"12","direction":"lent"}"#,
            #"{"contact_id":"\#(contact.uppercased())","amount":5,"direction":"lent"}"#,
            #"{"contact_id":"not-a-uuid","amount":5,"direction":"lent"}"#,
            #"{"amount":5,"direction":"lent"}"#,
            #"{"contact_\u0069d":"\#(contact)","amount":5}"#,
            #"  {  }  "#,
            #"[1, 2]"#,
            #""just a string""#,
        ])
    func transactionCreated(_ json: String) throws {
        let (logged, event) = try both(.transaction, .created, json)
        #expect(logged == LoggedEvent(event))
        #expect(AggregateState(creating: logged) == AggregateState(creating: event))
    }

    @Test("a contact's stream with updates, a delete, an UNDO and a redo folds to the same state from either kind of event")
    func contactStream() throws {
        let id = Identifier.random()
        let steps: [(EventType, String)] = [
            (.created, #"{"name": "Ada", "phone": "1", "email": "a@b.c", "notes": "line\nbreak"}"#),
            (.updated, #"{"name": "Ada L.", "phone": null, "username": "ada"}"#),
            (.deleted, #"{}"#),
        ]
        var pairs: [(LoggedEvent, Event)] = []
        for (i, (type, json)) in steps.enumerated() { pairs.append(try both(.contact, type, json, version: Int64(i + 1), id: id)) }
        // UNDO the delete, then UNDO that UNDO (the delete counts again), then UNDO the update.
        let undo1 = try both(.contact, .undo, #"{"undone_event_id": "\#(pairs[2].1.id)", "reason": "mistake"}"#, version: 4, id: id)
        pairs.append(undo1)
        pairs.append(try both(.contact, .undo, #"{"undone_event_id":"\#(undo1.1.id)"}"#, version: 5, id: id))
        pairs.append(try both(.contact, .undo, #"{"undone_event_id":"\#(pairs[1].1.id)"}"#, version: 6, id: id))
        #expect(pairs[3].0.undoneEventID == pairs[2].1.id && pairs[3].1.undoneEventID == pairs[2].1.id)
        for n in 1...pairs.count {
            let logged = StreamReplay(pairs.prefix(n).map(\.0))
            let events = StreamReplay(pairs.prefix(n).map(\.1))
            #expect(logged.state == events.state, "after \(n) events")
            #expect(logged.undoneBy == events.undoneBy)
        }
        guard case .contact(let c)? = StreamReplay(pairs.map(\.0)).state else { Issue.record("no contact"); return }
        #expect(c.name == "Ada" && c.phone == "1" && c.username == nil && c.notes == "line\nbreak" && c.isDeleted && c.version == 6)
    }

    @Test(
        "data that is not valid JSON is refused, as the dictionary's parser refuses it",
        arguments: [
            #"{"name": "Ada"} x"#, #"{"name": "Ada""#, #"{"name" "Ada"}"#, #"{"name": "Ada",}"#, #"{name: 1}"#,
            #"{"name": "\ud800"}"#, #"{"name": "bad \q escape"}"#, #"{"notes": [1, 2}"#, #"{"x": tru}"#, #"{"amount": 01}"#,
            #"{"name": "Ada", "name": "Bob"}"#, "",
        ])
    func refused(_ json: String) throws {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: json) }
        #expect(throws: JSONParseError.self) { try replayRead(json) }
    }

    @Test("the one difference: a duplicate member the replay does not keep is refused by the dictionary's parser only (jsonb never holds one)")
    func duplicateUnknownMember() throws {
        let json = #"{"name": "Ada", "extra": 1, "extra": 2}"#
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: json) }
        guard case .contact(let c)? = AggregateState(creating: try replayRead(json)) else { Issue.record("no contact"); return }
        #expect(c.name == "Ada")
        // Inside a nested value, and for a member the replay keeps, both refuse.
        for refused in [#"{"name": "Ada", "extra": {"a": 1, "a": 2}}"#, #"{"name": "Ada", "name": "Bob"}"#] {
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: refused) }
            #expect(throws: JSONParseError.self) { try replayRead(refused) }
        }
    }

    @Test("a string that is not valid UTF-8 is refused")
    func invalidUTF8() throws {
        let bytes: [UInt8] = Array(#"{"name": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: bytes) }
        #expect(throws: JSONParseError.self) { try replayRead(bytes) }
    }

    @Test("integers up to 18 digits are summed directly; longer ones and other spellings as before")
    func numbers() throws {
        #expect(try JSONValue(parsing: "123456789012345678") == .integer(123_456_789_012_345_678))
        #expect(try JSONValue(parsing: "-123456789012345678") == .integer(-123_456_789_012_345_678))
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .integer(.min))
        #expect(try JSONValue(parsing: "-0") == .integer(0))
        #expect(try JSONValue(parsing: "0") == .integer(0))
        #expect(try JSONValue(parsing: "92233720368547758070") == .double(92_233_720_368_547_758_070))
    }
}
