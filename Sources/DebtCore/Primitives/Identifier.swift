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
        String(unsafeUninitializedCapacity: 36) { write(into: $0) }
    }

    /// Appends the canonical text's 36 bytes (no String in between: the append path writes thousands).
    public func write(into out: inout [UInt8]) {
        let n = out.count
        out.append(contentsOf: repeatElement(0, count: 36))
        out.withUnsafeMutableBufferPointer { b in _ = write(into: UnsafeMutableBufferPointer(rebasing: b[n..<(n + 36)])) }
    }

    private func write(into b: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var n = 0
        func put(_ word: UInt64) {
            var shift: UInt64 = 60
            while true {
                if n == 8 || n == 13 || n == 18 || n == 23 {
                    b[n] = 45  // "-"
                    n += 1
                }
                let digit = UInt8(truncatingIfNeeded: (word >> shift) & 0xF)
                b[n] = digit < 10 ? 48 + digit : 87 + digit
                n += 1
                if shift == 0 { break }
                shift -= 4
            }
        }
        put(high)
        put(low)
        return n
    }

    public static func < (a: Identifier, b: Identifier) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
