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

    /// Parses the UTF-8 of `8-4-4-4-12` hexadecimal text; nil for anything else.
    public init?(utf8: UnsafeBufferPointer<UInt8>) {
        guard let parsed = Identifier.parse(utf8) else { return nil }
        self = parsed
    }

    /// The rebuild parses three or four ids per event, so this is written for speed: the hyphens are
    /// checked at their fixed places, and a bad digit is noted by one flag rather than a branch per
    /// character.
    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> Identifier? {
        guard utf8.count == 36, let p = utf8.baseAddress else { return nil }
        guard p[8] == 45, p[13] == 45, p[18] == 45, p[23] == 45 else { return nil }  // "-"
        var bad: UInt64 = 0
        @inline(__always) func digits(_ from: Int, _ to: Int, into value: inout UInt64) {
            for i in from..<to {
                let c = p[i]
                let decimal = c &- 48  // "0"
                let letter = (c | 0x20) &- 97  // "a", either case
                let d: UInt64 = decimal < 10 ? UInt64(decimal) : letter < 6 ? UInt64(letter) + 10 : 0x10
                bad |= d
                value = value << 4 | (d & 0xF)
            }
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        digits(0, 8, into: &high)
        digits(9, 13, into: &high)
        digits(14, 18, into: &high)
        digits(19, 23, into: &low)
        digits(24, 36, into: &low)
        guard bad & 0x10 == 0 else { return nil }
        return Identifier(high: high, low: low)
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
