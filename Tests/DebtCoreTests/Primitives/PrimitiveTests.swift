@testable import DebtCore
import Testing

@Suite("Identifiers, timestamps, dates, SHA-256")
struct PrimitiveTests {
    @Test("UUIDs parse in any case and print lowercase")
    func uuid() throws {
        let id = try #require(Identifier("0B7E5C1A-3F2D-4C8E-A1B2-C3D4E5F60718"))
        #expect(id.description == "0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718")
        #expect(Identifier("0b7e5c1a3f2d4c8ea1b2c3d4e5f60718") == nil)
        #expect(Identifier("0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f6071g") == nil)
        #expect(Identifier("") == nil)
        let r = Identifier.random()
        #expect(Identifier(r.description) == r)
        #expect(Array(r.description.utf8)[14] == UInt8(ascii: "4"))
    }

    @Test(
        "RFC 3339 timestamps normalize to UTC with a canonical fraction",
        arguments: [
            ("2026-01-18T00:00:00Z", "2026-01-18T00:00:00Z"),
            ("2026-01-18T00:00:00.120Z", "2026-01-18T00:00:00.120Z"),
            ("2026-01-18T00:00:00.12Z", "2026-01-18T00:00:00.120Z"),
            ("2026-01-18T00:00:00.123456789Z", "2026-01-18T00:00:00.123456Z"),
            ("2026-01-18T02:30:00+02:30", "2026-01-18T00:00:00Z"),
            ("2026-01-17T23:00:00-01:00", "2026-01-18T00:00:00Z"),
            ("2026-01-18 00:00:00z", "2026-01-18T00:00:00Z"),
            ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
            ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z"),
        ])
    func timestamps(_ input: String, _ expected: String) throws {
        let t = try #require(Timestamp(rfc3339: input))
        #expect(t.description == expected)
        #expect(Timestamp(rfc3339: t.description) == t)
    }

    @Test(
        "malformed timestamps are refused",
        arguments: ["2026-01-18", "2026-01-18T00:00:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-01-18T24:00:00Z",
                    "2026-01-18T00:00:00.Z", "2026-01-18T00:00:00+0200", "yesterday", "2026-01-18T00:00:00Zjunk"])
    func badTimestamps(_ input: String) {
        #expect(Timestamp(rfc3339: input) == nil)
    }

    @Test("the epoch and its neighbours")
    func epoch() {
        #expect(Timestamp(microseconds: 0).description == "1970-01-01T00:00:00Z")
        #expect(Timestamp(microseconds: -1).description == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(rfc3339: "2026-01-18T00:00:00Z")?.microseconds == 1_768_694_400_000_000)
    }

    @Test("formatting round-trips for 200,000 random instants of years 1 to 9999 and random UUIDs")
    func formattingRoundTrips() {
        var random = SplitMix64(seed: 20261123)
        let lowest: Int64 = -62_135_596_800_000_000  // 0001-01-01
        let highest: Int64 = 253_402_300_799_999_999  // 9999-12-31T23:59:59.999999
        for i in 0..<200_000 {
            var micros = lowest + Int64(bitPattern: random.next() % UInt64(highest - lowest))
            if i % 3 == 0 { micros -= micros % 1_000 }  // milliseconds only
            if i % 5 == 0 { micros -= micros % 1_000_000 }  // whole seconds
            let t = Timestamp(microseconds: micros)
            let text = t.description
            #expect(Timestamp(rfc3339: text) == t, "\(micros) → \(text)")
            #expect([20, 24, 27].contains(text.utf8.count), "\(text)")
            let id = Identifier(high: random.next(), low: random.next())
            #expect(Identifier(id.description) == id)
        }
    }

    @Test("calendar dates")
    func dates() {
        #expect(CalendarDate("2026-02-28")?.description == "2026-02-28")
        #expect(CalendarDate("2026-02-29") == nil)
        #expect(CalendarDate("2000-02-29") != nil)
        #expect(CalendarDate("1900-02-29") == nil)
        #expect(CalendarDate("2026-1-01") == nil)
        #expect(CalendarDate("2026-01-0a") == nil)
    }

    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256() {
        #expect(hexString(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hexString(SHA256.hash("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hexString(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = SHA256()
        h.update("abcdbcdecdefdefgefghfghighij".utf8)
        h.update("hijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hexString(h.finalize()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
