/// Size limits every writer enforces, so that no client can store what another cannot read back.
public enum Limits {
    /// Longest accepted text per field, in characters.
    public static let fieldLength: [String: Int] = [
        "name": 200, "username": 100, "phone": 50, "email": 254, "notes": 5000, "comment": 2000,
        "description": 1000, "currency": 3, "reason": 2000,
    ]
    /// Longest text of a field not named in `fieldLength`.
    public static let defaultFieldLength = 2000
    /// Largest canonical `event_data`, in bytes.
    public static let eventDataBytes = 64 * 1024
    /// Largest `amount` in minor units (ten trillion units of any currency).
    public static let maximumAmount: Int64 = 1_000_000_000_000_000
    /// Most events in one sync batch.
    public static let batchSize = 1000
}
