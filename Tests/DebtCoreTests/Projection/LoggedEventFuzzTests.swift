@testable import DebtCore
import Foundation
import Testing

/// Differential fuzzing of the replay's reading of event data against the dictionary's. Documents are
/// generated from the members the reducers read, in every spelling JSON allows (escapes, surrogate
/// pairs, number forms, whitespace, nesting, unknown members, keys spelled with escapes, values of
/// other types), some deliberately invalid (lone surrogates, control characters, bad escapes and
/// numbers, a known member twice); then most are mutated byte by byte. Properties:
/// - both parsers accept and refuse the same documents, and an unmutated one as the generator meant
///   it. One documented exception: a duplicate name the replay does not keep (an unknown top-level
///   member's; nested values are parsed by the dictionary's parser) is refused by the dictionary's
///   parser only; jsonb, where the replay reads from, never holds one.
/// - where both accept, the `LoggedEvent` equals the one made from the `Event`, and the reducers make
///   the same state of both, as a creating event and as an update of a created stream.
/// `DEBT_FUZZ_INPUTS` sets the count (30,000 in the test run; `scripts/reliability` runs 1,000,000);
/// `DEBT_FUZZ_SEED` the seed.
@Suite("Event data fuzzing: the replay's parser against the dictionary's")
struct LoggedEventFuzzTests {
    static let knownNames = EventField.allCases.map(\.name)
    static let unknownNames = ["extra", "x", "Name", "amount ", "contact_id_", "nested", "ünknown", ""]
    static let words = ["Ada", "Lunch", "a@b.c", "+44 1234", "EUR", "lent", "owed", "money", "item", "2026-01-18", "line", " ", ""]
    static let escapes = [#"\""#, #"\\"#, #"\/"#, #"\b"#, #"\f"#, #"\n"#, #"\r"#, #"\t"#, #"\u00e9"#, #"\u0041"#, #"\ud83d\udcb8"#, #"\u20AC"#]
    static let raw = ["é", "💸", "Ünïcødé", "✓", "\u{7F}"]
    static let numbers = [
        "0", "-0", "7", "-12", "1500", "1500.0", "1.5e3", "1E2", "-1.25e-3", "123456789012345678", "-123456789012345678",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "92233720368547758070", "1e30", "0.1",
    ]
    static let badNumbers = ["01", "1.", ".5", "-", "+1", "1e", "0x10", "NaN"]
    static let badStrings = [#"\ud800x"#, #"\udc00x"#, #"\q"#, #"\u12x"#, "\u{01}", "\n"]
    static let whitespace = ["", "", " ", "\n", "\t ", "\r\n  "]
    static let interesting: [UInt8] = Array(#""\{}[],:0-e.u \#n"#.utf8) + [0x80, 0xC3, 0xE2, 0xF0, 0xFF, 0x00]

    /// What the generator meant a document to be.
    struct Document {
        var text = ""
        var valid = true
    }

    static func ws(_ r: inout SplitMix64) -> String { r.pick(whitespace) }

    static func string(_ r: inout SplitMix64, _ d: inout Document) -> String {
        var s = "\""
        for _ in 0..<r.below(4) {
            switch r.below(10) {
            case 0, 1, 2, 3: s += r.pick(words)
            case 4, 5, 6: s += r.pick(escapes)
            case 7, 8: s += r.pick(raw)
            default:
                if r.chance(20) {
                    s += r.pick(badStrings)
                    d.valid = false
                } else {
                    s += r.pick(words)
                }
            }
        }
        return s + "\""
    }

    static func number(_ r: inout SplitMix64, _ d: inout Document) -> String {
        if r.chance(4) {
            d.valid = false
            return r.pick(badNumbers)
        }
        if r.chance(50) { return r.pick(numbers) }
        let digits = 1 + r.below(20)
        var s = r.chance(30) ? "-" : ""
        s += String(1 + r.below(9))
        for _ in 1..<digits { s += String(r.below(10)) }
        return s
    }

    static func uuid(_ r: inout SplitMix64) -> String {
        let id = Identifier(high: r.next(), low: r.next()).description
        switch r.below(10) {
        case 0: return "\"\(id.uppercased())\""
        case 1: return "\"\(id.dropLast())\""
        case 2: return "\"\(id.replacingOccurrences(of: "-", with: ""))\""
        default: return "\"\(id)\""
        }
    }

    static func value(_ r: inout SplitMix64, _ d: inout Document, name: String?, depth: Int) -> String {
        if let name, r.chance(75) {
            switch name {
            case "contact_id", "undone_event_id": return uuid(&r)
            case "amount": return number(&r, &d)
            default: return string(&r, &d)
            }
        }
        switch r.below(depth > 2 ? 6 : 8) {
        case 0, 1: return string(&r, &d)
        case 2, 3: return number(&r, &d)
        case 4: return r.pick(["true", "false"])
        case 5: return "null"
        case 6: return "[" + ws(&r) + (0..<r.below(4)).map { _ in value(&r, &d, name: nil, depth: depth + 1) }.joined(separator: "," + ws(&r)) + ws(&r) + "]"
        default: return object(&r, &d, depth: depth + 1)
        }
    }

    static func key(_ name: String, _ r: inout SplitMix64) -> String {
        // A known name sometimes spelled with an escape: the same member.
        if r.chance(5), let i = name.firstIndex(of: "_") {
            return "\"" + name[..<i] + #"\u005f"# + name[name.index(after: i)...] + "\""
        }
        return "\"\(name)\""
    }

    static func object(_ r: inout SplitMix64, _ d: inout Document, depth: Int) -> String {
        var names = Array(knownNames.shuffled(using: &r).prefix(r.below(depth == 0 ? 8 : 3)))
        names += unknownNames.shuffled(using: &r).prefix(r.below(3))
        names.shuffle(using: &r)
        var members = names.map { key($0, &r) + ws(&r) + ":" + ws(&r) + value(&r, &d, name: depth == 0 ? $0 : nil, depth: depth) }
        if depth == 0, r.chance(3), let name = names.first(where: knownNames.contains) {
            members.append("\"\(name)\":" + value(&r, &d, name: name, depth: depth))
            d.valid = false
        }
        return "{" + ws(&r) + members.joined(separator: ws(&r) + "," + ws(&r)) + ws(&r) + "}"
    }

    static func document(_ r: inout SplitMix64) -> Document {
        var d = Document()
        d.text = ws(&r) + (r.chance(95) ? object(&r, &d, depth: 0) : value(&r, &d, name: nil, depth: 1)) + ws(&r)
        return d
    }

    static func mutate(_ bytes: [UInt8], _ r: inout SplitMix64) -> [UInt8] {
        var b = bytes
        for _ in 0..<(1 + r.below(3)) where !b.isEmpty {
            let i = r.below(b.count)
            switch r.below(4) {
            case 0: b[i] = r.pick(interesting)
            case 1: b.remove(at: i)
            case 2: b.insert(r.pick(interesting), at: i)
            default: b.removeLast(r.below(min(b.count, 4)) + 1)
            }
        }
        return b
    }

    @Test("generated and mutated documents: both parsers accept the same, and the reducers make the same state of what they accept")
    func differential() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["DEBT_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_202
        var r = SplitMix64(seed: seed)
        let count = env["DEBT_FUZZ_INPUTS"].flatMap(Int.init) ?? 30_000
        let user = Identifier(high: 1, low: 2)
        let baseTime = Timestamp(microseconds: 1_700_000_000_000_000)
        var (accepted, refused, duplicates) = (0, 0, 0)
        var problems: [String] = []
        for n in 0..<count {
            let generated = Self.document(&r)
            let mutated = n % 4 != 0
            let bytes = mutated ? Self.mutate(Array(generated.text.utf8), &r) : Array(generated.text.utf8)
            let shown = String(decoding: bytes, as: UTF8.self)
            let aggregate: AggregateType = r.chance(50) ? .contact : .transaction
            let type: EventType = r.chance(50) ? .created : .updated
            let id = Identifier(high: r.next(), low: r.next())
            let eventID = Identifier(high: r.next(), low: r.next())
            let version: Int64 = type == .created ? 1 : 2
            let dictionary = Result { () throws(JSONParseError) in try JSONValue(parsing: bytes) }
            let logged = bytes.withUnsafeBufferPointer { b in
                Result { () throws(JSONParseError) in
                    try LoggedEvent(
                        id: eventID, aggregateType: aggregate, aggregateID: id, eventType: type, timestamp: baseTime,
                        version: version, position: version, userID: user, data: b)
                }
            }
            switch (dictionary, logged) {
            case (.success(let value), .success(let l)):
                accepted += 1
                if !mutated, !generated.valid { problems.append("accepted by both, generated invalid: \(shown)") }
                let event = Event(
                    id: eventID, aggregateType: aggregate, aggregateID: id, eventType: type, data: value.objectValue ?? [:],
                    timestamp: baseTime, version: version, position: version, userID: user)
                if l != LoggedEvent(event) { problems.append("different events: \(shown)") }
                if type == .created {
                    if AggregateState(creating: l) != AggregateState(creating: event) { problems.append("different created state: \(shown)") }
                } else {
                    // An update of a stream created with a valid document of that kind.
                    let created = aggregate == .contact
                        ? #"{"name": "Base", "phone": "1"}"#
                        : #"{"contact_id": "\#(Identifier(high: 3, low: 4))", "amount": 100, "direction": "lent"}"#
                    let base = Event(
                        id: Identifier(high: 9, low: 9), aggregateType: aggregate, aggregateID: id, eventType: .created,
                        data: try JSONValue(parsing: created).objectValue ?? [:], timestamp: baseTime, version: 1, position: 1, userID: user)
                    let fromLog = StreamReplay([LoggedEvent(base), l])
                    let fromEvents = StreamReplay([base, event])
                    if fromLog.state != fromEvents.state { problems.append("different updated state: \(shown)") }
                }
            case (.failure, .failure):
                refused += 1
                if !mutated, generated.valid { problems.append("refused by both, generated valid: \(shown)") }
            case (.failure(let e), .success):
                // Only an unknown member's duplicate (nested values go through the dictionary's parser in
                // both, and a known member twice must be refused by both).
                let prefix = "duplicate key \""
                if e.message.hasPrefix(prefix), !Self.knownNames.contains(String(e.message.dropFirst(prefix.count).dropLast())) {
                    duplicates += 1
                } else {
                    problems.append("refused only by the dictionary's parser (\(e.message)): \(shown)")
                }
            case (.success, .failure(let e)):
                problems.append("refused only by the replay's parser (\(e.message)): \(shown)")
            }
            if problems.count > 20 { break }
        }
        #expect(problems.isEmpty, "seed \(seed):\n\(problems.prefix(20).joined(separator: "\n"))")
        #expect(accepted + refused + duplicates == count)
        #expect(accepted > count / 10 && refused > count / 10, "the generator reaches both sides: \(accepted) accepted, \(refused) refused")
        // The exception stays an exception: only mutations make a duplicate the replay does not keep.
        #expect(duplicates < count / 100, "\(duplicates) documents with a duplicate name the replay does not keep")
        print("RELIABILITY: event data fuzzing: \(count) documents (seed \(seed)): \(accepted) accepted by both, \(refused) refused by both, \(duplicates) the documented exception")
    }
}
