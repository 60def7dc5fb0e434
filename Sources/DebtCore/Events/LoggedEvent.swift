/// An event as a replay of the whole log reads it (rebuild, verify): the envelope, and of its data only
/// the members the reducers read (`EventField`), kept in one small buffer.
///
/// A replay reads every event once and keeps it only until its stream is folded. Parsed into a
/// dictionary of `JSONValue`s (an `Event`), each event's data cost a dictionary, a `String` per key,
/// hashing every key, and freeing it all again: at 1,000,000 events about a third of `debtctl`'s CPU in
/// a rebuild. Here the data is parsed once, where the driver received it, and the known members are
/// copied out as they are; the reducers read them through `forEachField`, as they read an `Event`'s.
public struct LoggedEvent: ReplayableEvent {
    public var id: Identifier
    public var aggregateType: AggregateType
    public var aggregateID: Identifier
    public var eventType: EventType
    public var timestamp: Timestamp
    public var version: Int64
    public var position: Int64?
    public var userID: Identifier?
    /// The known members, one after the other: the field's raw value, the kind of value, then a
    /// string's UTF-8 after its length (4 bytes) or an integer's 8 bytes (both little-endian); nothing
    /// for any other value.
    private var fields: [UInt8]

    private enum Kind: UInt8 { case text, integer, other }

    /// `data` is the event's data as JSON text (PostgreSQL's output of a jsonb value). The document is
    /// parsed whole and refused when it is not valid JSON, as `JSONValue(parsing:)` refuses it; a
    /// document that is not an object has no fields. A duplicate name is refused when it is a known
    /// field's (jsonb never has duplicates; other members are not kept, so not compared).
    public init(
        id: Identifier, aggregateType: AggregateType, aggregateID: Identifier, eventType: EventType, timestamp: Timestamp,
        version: Int64, position: Int64?, userID: Identifier?, data: UnsafeBufferPointer<UInt8>
    ) throws(JSONParseError) {
        self.id = id
        self.aggregateType = aggregateType
        self.aggregateID = aggregateID
        self.eventType = eventType
        self.timestamp = timestamp
        self.version = version
        self.position = position
        self.userID = userID
        var parser = JSONParser(bytes: data)
        var fields: [UInt8] = []
        // Enough in practice: a member's name and punctuation outweigh its kind and length bytes (the
        // buffer grows where they do not).
        fields.reserveCapacity(data.count)
        try parser.parseKnownMembers { field, value in Self.append(field, value, to: &fields) }
        self.fields = fields
    }

    /// The same event as `event` (its metadata and time of recording are not kept).
    public init(_ event: Event) {
        id = event.id
        aggregateType = event.aggregateType
        aggregateID = event.aggregateID
        eventType = event.eventType
        timestamp = event.timestamp
        version = event.version
        position = event.position
        userID = event.userID
        var fields: [UInt8] = []
        event.forEachField { field, value in Self.append(field, value, to: &fields) }
        self.fields = fields
    }

    private static func append(_ field: EventField, _ value: FieldValue, to out: inout [UInt8]) {
        if case .json(let v) = value {
            if case .string(var s) = v {
                s.withUTF8 { append(field, .text($0), to: &out) }
            } else {
                append(field, v.integerValue.map { .integer($0) } ?? .other, to: &out)
            }
            return
        }
        /// Low byte first.
        func put<T: FixedWidthInteger>(_ n: T) {
            var n = n
            for _ in 0..<MemoryLayout<T>.size {
                out.append(UInt8(truncatingIfNeeded: n))
                n >>= 8
            }
        }
        out.append(field.rawValue)
        switch value {
        case .text(let utf8):
            out.append(Kind.text.rawValue)
            put(UInt32(utf8.count))
            out.append(contentsOf: utf8)
        case .integer(let i):
            out.append(Kind.integer.rawValue)
            put(i)
        case .json, .other:
            out.append(Kind.other.rawValue)
        }
    }

    public func forEachField(_ body: (EventField, FieldValue) throws -> Void) rethrows {
        try fields.withUnsafeBufferPointer { b in
            let raw = UnsafeRawBufferPointer(b)
            var i = 0
            while i + 2 <= b.count, let field = EventField(rawValue: b[i]) {
                let kind = Kind(rawValue: b[i + 1])
                i += 2
                switch kind {
                case .text:
                    let n = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
                    i += 4
                    try body(field, .text(UnsafeBufferPointer(rebasing: b[i..<(i + n)])))
                    i += n
                case .integer:
                    let v = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: Int64.self))
                    i += 8
                    try body(field, .integer(v))
                case .other, nil:
                    try body(field, .other)
                }
            }
        }
    }

    public var undoneEventID: Identifier? {
        guard eventType == .undo else { return nil }
        var target: Identifier?
        forEachField { field, value in if field == .undoneEventID { target = value.identifierValue } }
        return target
    }
}

extension LoggedEvent: Equatable {
    /// Equal envelopes and equal known members, whatever order the members were read in.
    public static func == (a: LoggedEvent, b: LoggedEvent) -> Bool {
        func members(_ e: LoggedEvent) -> [EventField: [UInt8]] {
            var m: [EventField: [UInt8]] = [:]
            e.forEachField { field, value in
                switch value {
                case .text(let utf8): m[field] = [0] + Array(utf8)
                case .integer(let i): m[field] = [1] + withUnsafeBytes(of: i) { Array($0) }
                case .json, .other: m[field] = [2]
                }
            }
            return m
        }
        return a.id == b.id && a.aggregateType == b.aggregateType && a.aggregateID == b.aggregateID && a.eventType == b.eventType
            && a.timestamp == b.timestamp && a.version == b.version && a.position == b.position && a.userID == b.userID
            && members(a) == members(b)
    }
}

extension JSONParser {
    /// Parses a whole document, refusing what `parseDocument` refuses, and hands `member` each member of
    /// its top-level object whose name is an `EventField`, with the value as the reducers read it
    /// (`.text`, `.integer` or `.other`). Other members are parsed and dropped; a document that is not
    /// an object has none.
    ///
    /// The walk over the object's punctuation is `parseObject`'s, written out again on purpose: one
    /// shared walk calling a closure per member measured about 10% more of `debtctl`'s CPU per rebuild
    /// (1,000,000 events, 8 of 9 alternating pairs).
    mutating func parseKnownMembers(_ member: (EventField, FieldValue) -> Void) throws(JSONParseError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else {
            _ = try parseDocument()
            return
        }
        try enter()
        index += 1
        skipWhitespace()
        var seen: UInt32 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let keyOffset = index
                let field: EventField?
                if let key = try plainString() {
                    field = EventField.named(key)
                } else {
                    field = EventField.named(try parseString())
                }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipWhitespace()
                if let field {
                    guard seen & (1 << field.rawValue) == 0 else {
                        throw JSONParseError(message: "duplicate key \"\(field.name)\"", offset: keyOffset)
                    }
                    seen |= 1 << field.rawValue
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        if let text = try plainString() {
                            member(field, .text(text))
                        } else {
                            var s = try parseString()
                            s.withUTF8 { member(field, .text($0)) }
                        }
                    } else {
                        member(field, try parseValue().integerValue.map { .integer($0) } ?? .other)
                    }
                } else {
                    _ = try parseValue()
                }
                skipWhitespace()
                guard index < bytes.count else { throw fail("unexpected end of input") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; break }
                throw fail("expected ',' or '}'")
            }
        }
        depth -= 1
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected content after the document") }
    }

    /// At a string with no escape: its UTF-8 (validated), the parser moved past it. Nil, the parser
    /// not moved, for a string with escapes (`parseString` reads those).
    private mutating func plainString() throws(JSONParseError) -> UnsafeBufferPointer<UInt8>? {
        var ascii = true
        guard let end = plainStringEnd(from: index + 1, ascii: &ascii) else { return nil }
        let text = UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end])
        if !ascii, String(validating: text, as: UTF8.self) == nil { throw fail("string is not valid UTF-8") }
        index = end + 1
        return text
    }
}
