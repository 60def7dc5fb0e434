/// A UUID (RFC 9562), the id of every event, aggregate and user.
///
/// Parsing accepts any case; the canonical text is lowercase with hyphens, as PostgreSQL prints it.
public struct Identifier: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A random version-4 UUID.
    public static func random() -> Identifier {
        var rng = SystemRandomNumberGenerator()
        let a: UInt64 = rng.next()
        let b: UInt64 = rng.next()
        let h = (a & ~UInt64(0xF000)) | 0x4000
        let l = (b & ~UInt64(0xC000_0000_0000_0000)) | 0x8000_0000_0000_0000
        return Identifier(high: h, low: l)
    }

    /// Parses `8-4-4-4-12` hexadecimal text; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { Identifier.parse($0) } ?? Array(text.utf8).withUnsafeBufferPointer { Identifier.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> Identifier? {
        guard utf8.count == 36 else { return nil }
        var value: (UInt64, UInt64) = (0, 0)
        var nibbles = 0
        for i in 0..<36 {
            let c = utf8[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let d: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt64(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt64(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            if nibbles < 16 { value.0 = value.0 << 4 | d } else { value.1 = value.1 << 4 | d }
            nibbles += 1
        }
        return Identifier(high: value.0, low: value.1)
    }

    public var description: String {
        String(unsafeUninitializedCapacity: 36) { b in
            for n in 0..<36 { b[n] = byte(n) }
            return 36
        }
    }

    /// Appends the canonical text's 36 bytes (no String in between: the append path writes thousands).
    public func write(into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 36)
        for n in 0..<36 { out.append(byte(n)) }
    }

    /// Byte `n` of the canonical text: lowercase hexadecimal digits, hyphens at 8, 13, 18 and 23.
    @inline(__always)
    private func byte(_ n: Int) -> UInt8 {
        if n == 8 || n == 13 || n == 18 || n == 23 { return UInt8(ascii: "-") }
        let digit = n - (n > 23 ? 4 : n > 18 ? 3 : n > 13 ? 2 : n > 8 ? 1 : 0)
        let word = digit < 16 ? high : low
        let d = UInt8(truncatingIfNeeded: word >> UInt64(60 - 4 * (digit & 15))) & 0xF
        return d < 10 ? 48 + d : 87 + d
    }

    public static func < (a: Identifier, b: Identifier) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
