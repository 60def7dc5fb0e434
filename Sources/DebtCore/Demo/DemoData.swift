/// A small, realistic ledger for development and demos: a few users with contacts, transactions,
/// updates, deletes and an undo, so that every screen and command has something to show.
/// Appended through the store like any other writer's events.
public enum DemoData {
    public static let users = ["alice", "bob", "carol"]

    /// Into an empty log only: creates the demo users, with the password hash `passwordHash` gives
    /// (`debt-server --dev` and `dev up` both give the documented development password's), and appends
    /// their ledger. Returns how many events it appended, or nil when the log was not empty (then nothing
    /// is done and nothing is hashed).
    public static func seedIfEmpty(_ store: EventStore, passwordHash makeHash: () async throws -> String) async throws -> Int? {
        guard try await store.headPosition() == 0 else { return nil }
        let passwordHash = try await makeHash()
        var ids: [String: Identifier] = [:]
        for name in users {
            ids[name] = try await store.createUser(username: name, email: "\(name)@example.com", passwordHash: passwordHash)
        }
        return try await seed(store, users: ids)
    }

    /// Appends the demo ledger for the given users (name → id); returns how many events were appended.
    public static func seed(_ store: EventStore, users: [String: Identifier], now: Timestamp = .now()) async throws -> Int {
        var clock = now.microseconds - 30 * 86_400_000_000
        var appended = 0
        func event(_ user: Identifier, _ a: AggregateType, _ id: Identifier, _ t: EventType, _ data: [String: JSONValue], _ v: Int64) -> Event {
            clock += 3_600_000_000 + Int64(appended) * 7_000_000
            return Event(
                id: .random(), aggregateType: a, aggregateID: id, eventType: t, data: data, timestamp: Timestamp(microseconds: clock),
                version: v, userID: user, metadata: EventMetadata(actor: "seed", source: "seed"))
        }
        func append(_ batch: [Event]) async throws {
            let outcomes = try await store.append(batch, options: .admin)
            appended += outcomes.filter { if case .appended = $0 { return true } else { return false } }.count
        }
        let people: [(String, String, String?)] = [
            ("Maria Garcia", "+34 600 123 456", "maria@example.com"), ("John Smith", "+1 555 0100", nil),
            ("Aiko Tanaka", "+81 90 1234 5678", "aiko@example.jp"), ("Olu Adeyemi", "+234 803 000 0000", nil),
        ]
        let items = [
            (2500, "lent", "Lunch"), (12000, "owed", "Concert tickets"), (4000, "lent", "Taxi to the airport"),
            (80000, "lent", "Rent share"), (1500, "owed", "Coffee beans"),
        ]
        for (u, name) in users.sorted(by: { $0.key < $1.key }).enumerated() {
            let user = name.value
            var contacts: [Identifier] = []
            for (i, p) in people.enumerated() where (i + u) % 4 != 3 {
                let id = Identifier.random()
                var data: [String: JSONValue] = ["name": .string(p.0), "phone": .string(p.1)]
                if let email = p.2 { data["email"] = .string(email) }
                try await append([event(user, .contact, id, .created, data, 1)])
                contacts.append(id)
            }
            var transactions: [(Identifier, Event)] = []
            for (i, item) in items.enumerated() {
                let id = Identifier.random()
                let e = event(
                    user, .transaction, id, .created,
                    [
                        "contact_id": .string(contacts[(i + u) % contacts.count].description), "amount": .integer(Int64(item.0 + u * 100)),
                        "direction": .string(item.1), "currency": "EUR", "description": .string(item.2),
                        "transaction_date": .string(CalendarDate(daysSinceEpoch: Int(clock / 86_400_000_000)).description),
                    ], 1)
                try await append([e])
                transactions.append((id, e))
            }
            try await append([event(user, .transaction, transactions[0].0, .updated, ["amount": .integer(3000 + Int64(u) * 100), "direction": "lent", "comment": "was 25.00, corrected"], 2)])
            try await append([event(user, .contact, contacts[1], .updated, ["notes": "prefers bank transfer"], 2)])
            try await append([event(user, .transaction, transactions[4].0, .deleted, [:], 2)])
            let mistake = event(user, .transaction, transactions[2].0, .updated, ["amount": 400_000, "direction": "lent"], 2)
            try await append([mistake])
            try await append([event(user, .transaction, transactions[2].0, .undo, ["undone_event_id": .string(mistake.id.description), "reason": "typo: one zero too many"], 3)])
        }
        return appended
    }
}
