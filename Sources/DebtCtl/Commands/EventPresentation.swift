import DebtCore

/// How events look in lists: the columns and each event's record.
enum EventPresentation {
    static let columns: [Column] = [
        Column("position", "POS", numeric: true), Column("created_at", "RECORDED"), Column("type", "TYPE"),
        Column("aggregate_id", "AGGREGATE"), Column("user", "USER"), Column("summary", "SUMMARY"),
        Column("event_id", "EVENT", wide: true), Column("version", "VER", wide: true, numeric: true),
        Column("actor", "ACTOR", wide: true), Column("reason", "REASON", wide: true),
        Column("aggregate_type", wide: true), Column("event_type", wide: true), Column("user_id", wide: true),
        Column("timestamp", wide: true), Column("event_data", wide: true), Column("metadata", wide: true),
    ]

    static func record(_ e: Event, username: String) -> JSONValue {
        guard case .object(var o) = e.adminJSON else { return e.adminJSON }
        o["user"] = .string(username)
        o["summary"] = .string(summary(e))
        o["actor"] = e.metadata.actor.map { .string($0) } ?? .null
        o["reason"] = e.metadata.reason.map { .string($0) } ?? .null
        return .object(o)
    }

    /// One line a person can scan: what the event says.
    static func summary(_ e: Event) -> String {
        let d = e.data
        switch (e.aggregateType, e.eventType) {
        case (_, .undo):
            let target = e.undoneEventID.map { String($0.description.prefix(8)) } ?? "?"
            return "undo \(target)" + (e.metadata.reason.map { ": \($0)" } ?? "")
        case (_, .deleted):
            return "deleted"
        case (.contact, _):
            let name = d["name"]?.stringValue
            let others = d.keys.filter { $0 != "name" }.sorted()
            return [name.map { "\"\($0)\"" }, others.isEmpty ? nil : others.joined(separator: ",")].compactMap { $0 }.joined(separator: " ")
        case (.transaction, _):
            var parts: [String] = []
            if let dir = d["direction"]?.stringValue { parts.append(dir) }
            if let a = d["amount"]?.integerValue { parts.append(String(a)) }
            parts.append(d["currency"]?.stringValue ?? "")
            if d["type"]?.stringValue == "item" { parts.append("(item)") }
            if let desc = d["description"]?.stringValue { parts.append("\"\(desc)\"") }
            return parts.filter { !$0.isEmpty }.joined(separator: " ")
        }
    }
}
