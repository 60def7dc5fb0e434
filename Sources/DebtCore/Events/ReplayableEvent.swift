/// What the reducers (`StreamReplay`, `ContactState`, `TransactionState`) read of an event: its envelope
/// and the members of its data that they know. Two kinds of event provide it, with one set of reducers:
/// `Event` (the append path, the API, undo: `data` as a dictionary) and `LoggedEvent` (a replay of the
/// whole log: the known members kept compact, as read from the database).
public protocol ReplayableEvent: Sendable {
    var id: Identifier { get }
    var aggregateType: AggregateType { get }
    var aggregateID: Identifier { get }
    var eventType: EventType { get }
    /// When the event happened on the device that made it.
    var timestamp: Timestamp { get }
    var version: Int64 { get }
    var position: Int64? { get }
    var userID: Identifier? { get }
    /// For an UNDO, the event it undoes.
    var undoneEventID: Identifier? { get }
    /// Calls `body` with each member of the event's data whose name is an `EventField`, in no
    /// particular order (an event's data has each name at most once); other members are left out.
    func forEachField(_ body: (EventField, FieldValue) throws -> Void) rethrows
}

extension ReplayableEvent {
    public var stream: StreamID { StreamID(aggregateType, aggregateID) }
}

/// The names of the `event_data` members that the reducers read.
public enum EventField: UInt8, Sendable, CaseIterable {
    case contactID, amount, direction, type, currency, description, transactionDate, dueDate, comment
    case name, username, phone, email, notes
    case undoneEventID

    /// The member's name in `event_data`.
    public var name: String {
        switch self {
        case .contactID: "contact_id"
        case .amount: "amount"
        case .direction: "direction"
        case .type: "type"
        case .currency: "currency"
        case .description: "description"
        case .transactionDate: "transaction_date"
        case .dueDate: "due_date"
        case .comment: "comment"
        case .name: "name"
        case .username: "username"
        case .phone: "phone"
        case .email: "email"
        case .notes: "notes"
        case .undoneEventID: "undone_event_id"
        }
    }

    /// The field a member's name (its UTF-8) names; nil for any other name.
    static func named(_ utf8: UnsafeBufferPointer<UInt8>) -> EventField? { names.value(named: utf8) }

    static func named(_ name: String) -> EventField? {
        var name = name
        return name.withUTF8 { named($0) }
    }

    private static let names = ByteNames(allCases.map { ($0.name, $0) })
}

/// One member's value as the reducers read it: a string, an integer (JSON's integral numbers, `1500.0`
/// included) or anything else, which reads as neither.
public enum FieldValue {
    /// A value of an `Event`'s data.
    case json(JSONValue)
    /// A string's text, valid UTF-8 (escapes resolved), valid only while the call that gets it runs.
    case text(UnsafeBufferPointer<UInt8>)
    case integer(Int64)
    /// null, true, false, a non-integral number, an array or an object.
    case other

    public var stringValue: String? {
        switch self {
        case .json(let v): v.stringValue
        case .text(let utf8): String(decoding: utf8, as: UTF8.self)
        case .integer, .other: nil
        }
    }

    public var integerValue: Int64? {
        switch self {
        case .json(let v): v.integerValue
        case .integer(let i): i
        case .text, .other: nil
        }
    }

    /// A string holding a UUID.
    public var identifierValue: Identifier? {
        switch self {
        case .json(let v): v.stringValue.flatMap { Identifier($0) }
        case .text(let utf8): Identifier(utf8: utf8)
        case .integer, .other: nil
        }
    }
}

extension Event: ReplayableEvent {
    public func forEachField(_ body: (EventField, FieldValue) throws -> Void) rethrows {
        for (key, value) in data {
            if let field = EventField.named(key) { try body(field, .json(value)) }
        }
    }
}

/// A few fixed names and what each stands for, looked up by UTF-8 bytes without making a `String` (a
/// replay looks up the aggregate and event type and each data member's name of every event).
struct ByteNames<Value: Sendable>: Sendable {
    private let entries: [(utf8: [UInt8], value: Value)]

    init(_ names: [(String, Value)]) { entries = names.map { (Array($0.0.utf8), $0.1) } }

    func value(named utf8: UnsafeBufferPointer<UInt8>) -> Value? {
        for e in entries where e.utf8.count == utf8.count && e.utf8.first == utf8.first {
            // A plain loop: the generic `elementsEqual` went through iterators, about 3% of a replay's CPU.
            let same = e.utf8.withUnsafeBufferPointer { name in
                for i in 0..<name.count where name[i] != utf8[i] { return false }
                return true
            }
            if same { return e.value }
        }
        return nil
    }
}
