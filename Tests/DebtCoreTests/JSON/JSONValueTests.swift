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
}
