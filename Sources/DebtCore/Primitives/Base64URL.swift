/// Base64 with the URL and file name safe alphabet and no padding (RFC 4648 §5), as JSON Web Tokens use
/// it. Decoding is strict: any other character, a length that no encoding has, or unused bits that are
/// not zero make it fail, so each byte string has exactly one accepted text.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The value of each ASCII character, 255 for characters outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var iterator = bytes.makeIterator()
        while let a = iterator.next() {
            let b = iterator.next()
            let c = b == nil ? nil : iterator.next()
            let group = UInt32(a) << 16 | UInt32(b ?? 0) << 8 | UInt32(c ?? 0)
            out.append(alphabet[Int(group >> 18 & 63)])
            out.append(alphabet[Int(group >> 12 & 63)])
            if b != nil { out.append(alphabet[Int(group >> 6 & 63)]) }
            if c != nil { out.append(alphabet[Int(group & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: Substring) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(bytes: $0) }
    }

    public static func decode(_ text: String) -> [UInt8]? { decode(Substring(text)) }

    private static func decode(bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        let remainder = bytes.count % 4
        guard remainder != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3 + 2)
        var group: UInt32 = 0
        var filled = 0
        for c in bytes {
            let v = values[Int(c)]
            guard v != 255 else { return nil }
            group = group << 6 | UInt32(v)
            filled += 1
            if filled == 4 {
                out.append(UInt8(group >> 16 & 255))
                out.append(UInt8(group >> 8 & 255))
                out.append(UInt8(group & 255))
                group = 0
                filled = 0
            }
        }
        switch filled {
        case 2:
            guard group & 0xF == 0 else { return nil }
            out.append(UInt8(group >> 4 & 255))
        case 3:
            guard group & 0x3 == 0 else { return nil }
            out.append(UInt8(group >> 10 & 255))
            out.append(UInt8(group >> 2 & 255))
        default: break
        }
        return out
    }
}
