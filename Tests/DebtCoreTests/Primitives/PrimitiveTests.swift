@testable import DebtCore
import Testing

@Suite("Identifiers, timestamps, dates, SHA-256, base64url")
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
        // Written into bytes, after what is there, exactly as described; parsed from a Substring too.
        var bytes = Array("x".utf8)
        id.write(into: &bytes)
        #expect(bytes == Array("x0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718".utf8))
        #expect(Identifier(high: 0, low: .max).description == "00000000-0000-0000-ffff-ffffffffffff")
        #expect(Identifier("[0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718]".dropFirst().dropLast()) == id)
        #expect(Identifier("0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718 ") == nil)
        #expect(Identifier("0b7e5c1a+3f2d-4c8e-a1b2-c3d4e5f60718") == nil)
    }

    @Test("UUID parsing: every byte value at every place, against a plain reading of the format")
    func uuidEveryByte() {
        // The format, read plainly: 36 bytes, hyphens at 8, 13, 18 and 23, hexadecimal digits of
        // either case elsewhere. (Foundation's parser on Linux is no reference: it takes "+", " " and
        // "0x" where a digit should be.)
        func reference(_ bytes: [UInt8]) -> Identifier? {
            guard bytes.count == 36 else { return nil }
            let lower = Array("0123456789abcdef".utf8), upper = Array("0123456789ABCDEF".utf8)
            var words: [UInt64] = [0, 0]
            var n = 0
            for (i, b) in bytes.enumerated() {
                if [8, 13, 18, 23].contains(i) {
                    guard b == UInt8(ascii: "-") else { return nil }
                    continue
                }
                guard let d = lower.firstIndex(of: b) ?? upper.firstIndex(of: b) else { return nil }
                words[n / 16] = words[n / 16] << 4 | UInt64(d)
                n += 1
            }
            return Identifier(high: words[0], low: words[1])
        }
        let base = Array("0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718".utf8)
        var mismatches: [String] = []
        var accepted = 0
        for place in 0..<36 {
            for byte in UInt8.min...UInt8.max {
                var text = base
                text[place] = byte
                // A byte that is not UTF-8 on its own becomes U+FFFD (3 bytes): then no UUID either way.
                let string = String(decoding: text, as: UTF8.self)
                let ours = Identifier(string)
                let expected = reference(Array(string.utf8))
                if ours != expected { mismatches.append("byte \(byte) at \(place): \(ours?.description ?? "nil")") }
                if ours != nil { accepted += 1 }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        // 32 digit places take 22 bytes each (0-9, a-f, A-F); the 4 hyphen places only "-".
        #expect(accepted == 32 * 22 + 4)
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
        #expect(hexString(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Digests of "a" repeated n times (Python's hashlib), for n around the block and padding boundaries.
    static let repeatedA: [(Int, String)] = [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (57, "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"),
        (127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
        (129, "c12cb024a2e5551cca0e08fce8f1c5e314555cc3fef6329ee994a3db752166ae"),
        (1000, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
    ]

    @Test("SHA-256 across block boundaries, fed whole, in random pieces, as a String and as a non-contiguous sequence")
    func sha256Boundaries() {
        var rng = SplitMix64(seed: 256)
        for (n, digest) in Self.repeatedA {
            let bytes = [UInt8](repeating: 0x61, count: n)
            #expect(hexString(SHA256.hash(bytes)) == digest, "\(n) bytes whole")
            #expect(hexString(SHA256.hash(String(repeating: "a", count: n).utf8)) == digest, "\(n) bytes of a String")
            #expect(hexString(SHA256.hash(bytes.lazy.map { $0 })) == digest, "\(n) bytes, not contiguous")
            for _ in 0..<20 {
                var h = SHA256()
                var i = 0
                while i < n {
                    let piece = min(n - i, rng.below(80))
                    h.update(bytes[i..<(i + piece)])
                    i += piece
                }
                #expect(hexString(h.finalize()) == digest, "\(n) bytes in pieces")
            }
        }
    }

    @Test("base64url: RFC 4648 vectors, round trips of every length, and strict decoding")
    func base64URL() throws {
        // RFC 4648 §10's vectors, in the URL alphabet without padding.
        for (plain, encoded) in [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")] {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
        // The two characters where the alphabets differ.
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
        #expect(Base64URL.decode("-_8") == [0xFB, 0xFF])
        var rng = SplitMix64(seed: 7)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let text = Base64URL.encode(bytes)
            #expect(text.utf8.count == (length * 4 + 2) / 3)
            #expect(Base64URL.decode(text) == bytes)
            #expect(Base64URL.decode(Substring(text + "xx").dropLast(2)) == bytes)
        }
        for bad in ["Z", "Zm9vY", "Zg==", "Zm+v", "Zm/v", "Zm9 v", "Zm9v\n", "Zh", "Zm9", "Zm-", "é"] {
            #expect(Base64URL.decode(bad) == nil, "\(bad) decoded")
        }
    }
}
