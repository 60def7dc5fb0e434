/// The sync hash of one user's set of events: order-independent, updated in O(1) per append.
///
/// Definition, for any client to compute:
/// 1. For each event, take its contract fields (`id`, `aggregate_type`, `aggregate_id`, `event_type`
///    in short form, `event_data`, `timestamp`, `version`) as one JSON object in canonical form (see
///    `JSONValue.canonicalText`: sorted keys, no white space; ids lowercase; timestamps in UTC with `Z`,
///    no fraction for whole seconds, three digits for whole milliseconds, else six).
/// 2. Its digest is SHA-256 of that text's UTF-8 bytes, read as a 256-bit big-endian unsigned integer.
/// 3. The hash is the sum of all digests modulo 2^256, as 64 lowercase hex digits (all zeros for no
///    events). A sum, unlike XOR, does not let two equal digests cancel out.
public struct SyncHash: Sendable, Hashable, CustomStringConvertible {
    /// The running sum, 32 bytes big-endian.
    public private(set) var sum: [UInt8]
    public private(set) var count: Int64

    public init() {
        sum = [UInt8](repeating: 0, count: 32)
        count = 0
    }

    /// Restores a stored hash; nil unless `hex` is 64 hex digits.
    public init?(hex: String, count: Int64) {
        guard let b = bytes(fromHex: hex), b.count == 32 else { return nil }
        sum = b
        self.count = count
    }

    public mutating func add(_ event: Event) { add(digest: event.digest) }

    public mutating func add(digest: [UInt8]) {
        precondition(digest.count == 32, "a SHA-256 digest has 32 bytes")
        var carry: UInt16 = 0
        for i in (0..<32).reversed() {
            let s = UInt16(sum[i]) + UInt16(digest[i]) + carry
            sum[i] = UInt8(truncatingIfNeeded: s)
            carry = s >> 8
        }
        count += 1
    }

    public var hex: String { hexString(sum) }
    public var description: String { hex }
}
