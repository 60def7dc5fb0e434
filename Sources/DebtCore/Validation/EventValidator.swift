/// The rules of each event type: required fields, types, ranges and sizes.
///
/// Unknown keys in `event_data` are kept (clients may carry more than this server understands), but
/// they obey the same text and size limits. Strings may not contain NUL, which PostgreSQL cannot store.
public enum EventValidator {
    static let contactFields: Set<String> = ["name", "username", "phone", "email", "notes", "comment"]
    static let transactionFields: Set<String> = [
        "contact_id", "amount", "direction", "type", "currency", "description", "transaction_date", "due_date",
        "comment",
    ]

    public static func validate(_ event: Event) throws(ValidationError) {
        switch event.eventType {
        case .created:
            guard event.version == 1 else { throw ValidationError("version", "of a CREATED event must be 1, got \(event.version)") }
        default:
            guard event.version >= 2 else {
                throw ValidationError("version", "of a \(event.eventType.rawValue) event must be 2 or more, got \(event.version)")
            }
        }
        try checkSizes(event.data)
        switch (event.aggregateType, event.eventType) {
        case (_, .undo):
            let undone = try uuidField(event.data, "undone_event_id", required: true)
            if undone == event.id { throw ValidationError("event_data.undone_event_id", "cannot name the UNDO event itself") }
        case (_, .deleted):
            break
        case (.contact, let type):
            let name = try stringField(event.data, "name", required: type == .created, nullable: false)
            if let name, name.allSatisfy(\.isWhitespace) { throw ValidationError("event_data.name", "must not be blank") }
            for key in ["username", "phone", "notes", "comment"] { _ = try stringField(event.data, key, required: false) }
            if let email = try stringField(event.data, "email", required: false), !email.isEmpty {
                let parts = email.split(separator: "@", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !email.contains(" ") else {
                    throw ValidationError("event_data.email", "is not an email address")
                }
            }
            if type == .updated, event.data.keys.allSatisfy({ !contactFields.contains($0) }) {
                throw ValidationError("event_data", "of CONTACT_UPDATED changes none of \(contactFields.sorted().joined(separator: ", "))")
            }
        case (.transaction, let type):
            _ = try uuidField(event.data, "contact_id", required: type == .created)
            try amountField(event.data)
            let direction = try stringField(event.data, "direction", required: true, nullable: false)
            if let direction, TransactionState.Direction(rawValue: direction) == nil {
                throw ValidationError("event_data.direction", "must be \"lent\" or \"owed\", got \(JSONValue.quoted(direction))")
            }
            if let kind = try stringField(event.data, "type", required: false, nullable: false),
                TransactionState.Kind(rawValue: kind) == nil
            {
                throw ValidationError("event_data.type", "must be \"money\" or \"item\", got \(JSONValue.quoted(kind))")
            }
            if let currency = try stringField(event.data, "currency", required: false, nullable: false),
                currency.utf8.count != 3 || !currency.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 })
            {
                throw ValidationError("event_data.currency", "must be a three-letter ISO 4217 code such as USD, got \(JSONValue.quoted(currency))")
            }
            _ = try stringField(event.data, "description", required: false)
            _ = try stringField(event.data, "comment", required: false)
            for key in ["transaction_date", "due_date"] {
                if let text = try stringField(event.data, key, required: false), !text.isEmpty,
                    CalendarDate(text) == nil, Timestamp(rfc3339: text) == nil
                {
                    throw ValidationError("event_data.\(key)", "must be a date YYYY-MM-DD, got \(JSONValue.quoted(text.prefix(40).description))")
                }
            }
        }
    }

    @discardableResult
    static func stringField(_ data: [String: JSONValue], _ key: String, required: Bool, nullable: Bool = true)
        throws(ValidationError) -> String?
    {
        switch data[key] {
        case nil:
            if required { throw ValidationError("event_data.\(key)", "is required") }
            return nil
        case .null?:
            if required || !nullable { throw ValidationError("event_data.\(key)", "must not be null") }
            return nil
        case .string(let s)?:
            return s
        case let other?:
            throw ValidationError("event_data.\(key)", "must be a string, got \(other.typeName)")
        }
    }

    static func uuidField(_ data: [String: JSONValue], _ key: String, required: Bool) throws(ValidationError) -> Identifier? {
        guard let s = try stringField(data, key, required: required, nullable: !required) else { return nil }
        guard let id = Identifier(s) else { throw ValidationError("event_data.\(key)", "must be a UUID, got \(JSONValue.quoted(s.prefix(60).description))") }
        return id
    }

    static func amountField(_ data: [String: JSONValue]) throws(ValidationError) {
        guard let v = data["amount"] else { throw ValidationError("event_data.amount", "is required") }
        switch v {
        case .integer(let a):
            guard a > 0 else { throw ValidationError("event_data.amount", "must be positive (the direction says who owes whom), got \(a)") }
            guard a <= Limits.maximumAmount else { throw ValidationError("event_data.amount", "is larger than \(Limits.maximumAmount)") }
        case .double(let d):
            throw ValidationError("event_data.amount", "must be an integer number of minor units (cents), got \(d)")
        default:
            throw ValidationError("event_data.amount", "must be an integer number of minor units, got \(v.typeName)")
        }
    }

    static func checkSizes(_ data: [String: JSONValue]) throws(ValidationError) {
        // The compact text has the canonical text's bytes in another member order: the same size,
        // without sorting every object's keys.
        var bytes: [UInt8] = []
        JSONValue.object(data).writeCompact(into: &bytes)
        if bytes.count > Limits.eventDataBytes {
            throw ValidationError("event_data", "is \(bytes.count) bytes, more than the limit of \(Limits.eventDataBytes)")
        }
        if containsNulEscape(.object(data)) {
            throw ValidationError("event_data", "contains a NUL character, which cannot be stored")
        }
        for (key, value) in data {
            if case .string(let s) = value {
                let limit = Limits.fieldLength[key] ?? Limits.defaultFieldLength
                if s.count > limit { throw ValidationError("event_data.\(key)", "is \(s.count) characters, more than \(limit)") }
            }
        }
    }

    static func containsNulEscape(_ v: JSONValue) -> Bool {
        switch v {
        case .string(let s): return s.utf8.contains(0)
        case .array(let a): return a.contains(where: containsNulEscape)
        case .object(let o): return o.contains { $0.key.utf8.contains(0) || containsNulEscape($0.value) }
        default: return false
        }
    }
}
