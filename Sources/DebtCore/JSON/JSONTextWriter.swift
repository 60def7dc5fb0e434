/// Writes JSON text straight into bytes, for documents the program assembles from fields it knows (the
/// append path's notification payloads, the answer to a sync push), without building a `JSONValue` of
/// dictionaries first: building and hashing those dictionaries was a large part of a sync push's CPU.
/// Members are written in the order given; the caller writes each key once and calls `element()` before
/// each array element.
public struct JSONTextWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the innermost open object or array has no member yet (no comma before the next).
    private var empty: [Bool] = []

    public init(capacity: Int) { bytes.reserveCapacity(capacity) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func openObject() { open(UInt8(ascii: "{")) }
    public mutating func closeObject() { close(UInt8(ascii: "}")) }
    public mutating func openArray() { open(UInt8(ascii: "[")) }
    public mutating func closeArray() { close(UInt8(ascii: "]")) }

    /// The key of the next member of the open object; its value is written next.
    public mutating func key(_ k: String) {
        comma()
        JSONValue.writeString(k, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Before each element of the open array.
    public mutating func element() { comma() }

    public mutating func string(_ s: String?) {
        if let s { JSONValue.writeString(s, into: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    public mutating func integer(_ i: Int64) { bytes.append(contentsOf: String(i).utf8) }

    public mutating func value(_ v: JSONValue) { v.writeCompact(into: &bytes) }

    /// A value in canonical form (keys sorted), for documents whose text is compared or shown.
    public mutating func canonical(_ v: JSONValue) { v.writeCanonical(into: &bytes) }

    /// A member whose value is an id, written without a String in between.
    public mutating func member(_ k: String, id: Identifier) {
        key(k)
        self.id(id)
    }

    /// An id as a string value.
    public mutating func id(_ id: Identifier) {
        bytes.append(UInt8(ascii: "\""))
        id.write(into: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Starts over, keeping the storage (one writer for many small documents).
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        empty.removeAll(keepingCapacity: true)
    }

    /// A member whose value is a string (or null).
    public mutating func member(_ k: String, _ s: String?) {
        key(k)
        string(s)
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        empty.append(true)
    }

    private mutating func close(_ bracket: UInt8) {
        empty.removeLast()
        bytes.append(bracket)
    }

    private mutating func comma() {
        if empty[empty.count - 1] { empty[empty.count - 1] = false } else { bytes.append(UInt8(ascii: ",")) }
    }
}
