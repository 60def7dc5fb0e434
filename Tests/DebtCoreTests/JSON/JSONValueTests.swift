@testable import DebtCore
import Testing

@Suite("JSON")
struct JSONValueTests {
    @Test("canonical text sorts keys, drops white space and escapes minimally")
    func canonical() throws {
        let v = try JSONValue(parsing: #" { "b" : [1, 2.5, true, null], "a": "x\"y\\z\n\u0001é" } "#)
        #expect(v.canonicalText == #"{"a":"x\"y\\z\n\u0001é","b":[1,2.5,true,null]}"#)
        #expect(try JSONValue(parsing: v.canonicalText) == v)
    }

    @Test("integral numbers are one value whatever their spelling")
    func numbers() throws {
        #expect(try JSONValue(parsing: "1.0") == .integer(1))
        #expect(try JSONValue(parsing: "1e2") == .integer(100))
        #expect(try JSONValue(parsing: "-0.5") == .double(-0.5))
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(.max))
        #expect(try JSONValue(parsing: "[0.1]").canonicalText == "[0.1]")
    }

    @Test("surrogate pairs decode to one scalar")
    func surrogates() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
    }

    @Test(
        "malformed documents are refused",
        arguments: [
            "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "\"\\x\"", "{\"a\":1,\"a\":2}", "[1] 2",
            "\"\\ud800\"", "\"\\udc00\"", "{a:1}", "\"tab\there\"", "1e", "NaN",
        ])
    func refuses(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
    }

    @Test("nesting deeper than the limit is refused, not a stack overflow")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
    }

    @Test("nested objects keep their own members; a duplicate is found at its own level, with its offset")
    func nestedMembers() throws {
        let v = try JSONValue(parsing: #"{"x":{"x":1,"y":{"x":[{"x":2},{}],"z":"a\"b"}},"y":3,"": {"":""}}"#)
        #expect(v == ["x": ["x": 1, "y": ["x": [["x": 2], [:]], "z": "a\"b"]], "y": 3, "": ["": ""]])
        do {
            _ = try JSONValue(parsing: #"{"a":{"b":1,"c":{"b":2},"b":3}}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.message == #"duplicate key "b""#)
            #expect(error.offset == 24)
        }
        // Bytes that are not UTF-8 are refused, escaped or not.
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
        #expect(try JSONValue(parsing: Array(#""tab\tand é""#.utf8)) == .string("tab\tand é"))
    }

    @Test("errors say where")
    func errorOffset() {
        do {
            _ = try JSONValue(parsing: #"{"a": tru}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 6)
            #expect(error.description.contains("byte 6"))
        }
    }

    @Test("the text writer's documents parse back to what was written: nesting, commas, escapes, nulls, empty containers")
    func textWriter() throws {
        var w = JSONTextWriter(capacity: 16)
        w.openObject()
        w.key("events")
        w.openArray()
        for n in 0..<3 {
            w.element()
            w.openObject()
            w.key("n")
            w.integer(Int64(n) - 1)
            w.member("text", n == 1 ? nil : "line\n\"quoted\" \\ tab\t é \u{01}")
            w.key("data")
            w.value(["nested": [1, "two", .null], "empty": .object([:])])
            w.closeObject()
        }
        w.closeArray()
        w.key("none")
        w.openArray()
        w.closeArray()
        w.key("ids")
        w.openArray()
        for id in ["a", "b"] {
            w.element()
            w.string(id)
        }
        w.closeArray()
        w.closeObject()
        let parsed = try JSONValue(parsing: w.text)
        let event: (Int64, JSONValue) -> JSONValue = { n, text in
            ["n": .integer(n), "text": text, "data": ["nested": [1, "two", .null], "empty": .object([:])]]
        }
        let text: JSONValue = .string("line\n\"quoted\" \\ tab\t é \u{01}")
        #expect(parsed == ["events": [event(-1, text), event(0, .null), event(1, text)], "none": [], "ids": ["a", "b"]])
    }
}
