/// A PostgreSQL array literal in its text form (`{"a","b",NULL}`), written element by element.
///
/// The append path passes each column of its rows as one array parameter and `unnest`s them:
/// PostgreSQL reads typed arrays much faster than a JSON document of records, which it must parse
/// whole and then convert record by record (a sync push of 500 events spent about 9 ms of its statement
/// casting such a document to `jsonb`).
struct SQLArrayLiteral {
    private var bytes: [UInt8]
    private var empty = true

    init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity + 2)
        bytes.append(UInt8(ascii: "{"))
    }

    /// The literal, closed.
    var text: String {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        return String(decoding: closed, as: UTF8.self)
    }

    /// A text element, quoted (so that no content can be read as `NULL`, a separator or a brace); nil
    /// is SQL NULL.
    mutating func append(_ s: String?) {
        guard var s else {
            separate()
            bytes.append(contentsOf: "NULL".utf8)
            return
        }
        s.withUTF8 { append(quoting: $0) }
    }

    /// A text element given as UTF-8 bytes, quoted.
    mutating func append(quoting utf8: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        // Inside quotes only `"` and `\` need a backslash; runs without them are copied whole.
        var start = 0
        for i in 0..<utf8.count where utf8[i] == UInt8(ascii: "\"") || utf8[i] == UInt8(ascii: "\\") {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
            bytes.append(UInt8(ascii: "\\"))
            start = i
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func append(quoting utf8: [UInt8]) {
        utf8.withUnsafeBufferPointer { append(quoting: $0) }
    }

    /// A number: written bare.
    mutating func append(_ i: Int64) {
        separate()
        bytes.append(contentsOf: String(i).utf8)
    }

    /// An id: written bare (hexadecimal digits and hyphens need no quoting).
    mutating func append(_ id: Identifier) {
        separate()
        id.write(into: &bytes)
    }

    /// Bytes as lowercase hexadecimal text: written bare.
    mutating func append(hex data: [UInt8]) {
        separate()
        func digit(_ d: UInt8) -> UInt8 { d < 10 ? 48 + d : 87 + d }
        for b in data {
            bytes.append(digit(b >> 4))
            bytes.append(digit(b & 0xF))
        }
    }

    /// A JSON value as a `jsonb` element (compact text, quoted); `scratch` is reused between calls.
    mutating func append(json value: JSONValue, scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        value.writeCompact(into: &scratch)
        append(quoting: scratch)
    }

    private mutating func separate() {
        if empty { empty = false } else { bytes.append(UInt8(ascii: ",")) }
    }
}
