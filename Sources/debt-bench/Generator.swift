import DebtCore
import LibPQ

/// Realistic, deterministic data for the benchmarks: several users (one light user with about 1% of
/// the events, the baseline of the sync-hash measure), contacts, transactions with updates, deletes
/// and undos; each stream's versions dense, every event valid under the reducers.
struct Generator {
    struct UserLedger {
        let id: Identifier
        var contacts: [Identifier] = []
        /// Live transactions: id → (version, contact).
        var transactions: [Identifier: (version: Int64, contact: Identifier)] = [:]
        var liveIDs: [Identifier] = []
        /// Transactions whose last event is an UPDATE: (transaction, that event).
        var lastUpdates: [(Identifier, Identifier)] = []
        var hash = SyncHash()
        var count: Int64 = 0
        var lastPosition: Int64 = 0
        var lastAt: Timestamp?
    }

    static let userCount = 8
    var random = SplitMix64(seed: 0x5EED)
    var users: [UserLedger]
    var position: Int64 = 0
    var clock: Int64 = 1_735_689_600_000_000  // 2025-01-01
    var counter: UInt64 = 0

    init() {
        users = (0..<Generator.userCount).map { UserLedger(id: Identifier(high: 0x0000_0000_0000_4000 | (UInt64($0 + 1) << 16), low: 0x8000_0000_0000_0000 | UInt64($0 + 1))) }
    }

    mutating func newID() -> Identifier {
        counter += 1
        return Identifier(high: (random.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x4000, low: (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000)
    }

    /// The next event: which user (user 0 gets about 1 in 100) and what it does.
    mutating func next() -> Event {
        let u = random.below(100) == 0 ? 0 : 1 + random.below(Generator.userCount - 1)
        position += 1
        clock += 1_000 + Int64(random.below(50_000))
        let at = Timestamp(microseconds: clock)
        // Take the ledger out (not a copy sharing its storage): mutating a shared copy would copy its
        // arrays on every event.
        var ledger = users[u]
        users[u] = UserLedger(id: ledger.id)
        let roll = random.below(100)
        let event: Event
        if ledger.contacts.count < 5 || roll < 10 {
            let id = newID()
            event = Event(id: newID(), aggregateType: .contact, aggregateID: id, eventType: .created,
                          data: ["name": .string("Contact \(counter)"), "phone": .string("+1 555 \(counter % 10_000)")],
                          timestamp: at, version: 1, position: position, userID: ledger.id, metadata: EventMetadata(source: "bench"))
            ledger.contacts.append(id)
        } else if roll < 15 {
            let c = ledger.contacts[random.below(ledger.contacts.count)]
            // A contact's version: count its events (kept small: contacts are updated rarely).
            let v = (contactVersions[c] ?? 1) + 1
            contactVersions[c] = v
            event = Event(id: newID(), aggregateType: .contact, aggregateID: c, eventType: .updated,
                          data: ["notes": .string("updated at \(position)")], timestamp: at, version: v, position: position,
                          userID: ledger.id, metadata: EventMetadata(source: "bench"))
        } else if roll < 65 || ledger.liveIDs.count < 5 {
            let id = newID()
            let contact = ledger.contacts[random.below(ledger.contacts.count)]
            event = Event(id: newID(), aggregateType: .transaction, aggregateID: id, eventType: .created,
                          data: ["contact_id": .string(contact.description), "amount": .integer(Int64(100 + random.below(100_000))),
                                 "direction": .string(random.below(2) == 0 ? "lent" : "owed"), "description": .string("purchase \(counter)")],
                          timestamp: at, version: 1, position: position, userID: ledger.id, metadata: EventMetadata(source: "bench"))
            ledger.transactions[id] = (1, contact)
            ledger.liveIDs.append(id)
        } else if roll < 87 {
            let id = ledger.liveIDs[random.below(ledger.liveIDs.count)]
            let v = (ledger.transactions[id]?.version ?? 1) + 1
            ledger.transactions[id]?.version = v
            event = Event(id: newID(), aggregateType: .transaction, aggregateID: id, eventType: .updated,
                          data: ["amount": .integer(Int64(100 + random.below(100_000)))], timestamp: at, version: v,
                          position: position, userID: ledger.id, metadata: EventMetadata(source: "bench"))
            ledger.lastUpdates.append((id, event.id))
            if ledger.lastUpdates.count > 64 { ledger.lastUpdates.removeFirst(32) }
        } else if roll < 95 || ledger.lastUpdates.isEmpty {
            let index = random.below(ledger.liveIDs.count)
            let id = ledger.liveIDs[index]
            let v = (ledger.transactions[id]?.version ?? 1) + 1
            event = Event(id: newID(), aggregateType: .transaction, aggregateID: id, eventType: .deleted, data: [:],
                          timestamp: at, version: v, position: position, userID: ledger.id, metadata: EventMetadata(source: "bench"))
            ledger.transactions[id] = nil
            ledger.liveIDs.swapAt(index, ledger.liveIDs.count - 1)
            ledger.liveIDs.removeLast()
            ledger.lastUpdates.removeAll { $0.0 == id }
        } else {
            // Undo the latest update of a live transaction (always allowed).
            let (id, target) = ledger.lastUpdates.removeLast()
            let v = (ledger.transactions[id]?.version ?? 1) + 1
            ledger.transactions[id]?.version = v
            ledger.lastUpdates.removeAll { $0.0 == id }
            event = Event(id: newID(), aggregateType: .transaction, aggregateID: id, eventType: .undo,
                          data: ["undone_event_id": .string(target.description)], timestamp: at, version: v, position: position,
                          userID: ledger.id, metadata: EventMetadata(actor: "bench", reason: "benchmark undo", source: "bench"))
        }
        ledger.hash.add(event)
        ledger.count += 1
        ledger.lastPosition = position
        ledger.lastAt = at
        users[u] = ledger
        return event
    }

    var contactVersions: [Identifier: Int64] = [:]

    /// One row of `COPY events FROM STDIN`, as text values (`CopyText` escapes them).
    static func copyRow(_ e: Event) -> [String?] {
        let at = e.timestamp.description
        return [
            String(e.position ?? 0), e.id.description, e.userID?.description ?? "", e.aggregateType.rawValue, e.aggregateID.description,
            e.eventType.rawValue, String(e.version), JSONValue.object(e.data).canonicalText, e.metadata.json.canonicalText,
            at, at, "\\x" + hexString(e.digest),
        ]
    }

    /// Loads `count` events with COPY, the users and their sync state; returns the seconds it took.
    mutating func load(count: Int, into connection: PQConnection) throws {
        for (i, u) in users.enumerated() {
            _ = try connection.querySync("INSERT INTO users (id, username) VALUES ($1::uuid, $2)", [u.id.description, i == 0 ? "light" : "user\(i)"])
        }
        var produced = 0
        _ = try connection.copyIn(
            "COPY events (position, event_id, user_id, aggregate_type, aggregate_id, event_type, version, event_data, metadata, occurred_at, recorded_at, digest) FROM STDIN"
        ) {
            guard produced < count else { return nil }
            var chunk: [[String?]] = []
            chunk.reserveCapacity(2_000)
            let end = min(count, produced + 2_000)
            while produced < end {
                chunk.append(Generator.copyRow(next()))
                produced += 1
            }
            return CopyText.encode(chunk)
        }
        for u in users where u.count > 0 {
            _ = try connection.querySync(
                "INSERT INTO sync_state (user_id, hash, event_count, last_event_at, last_position) VALUES ($1::uuid, decode($2, 'hex'), $3::bigint, $4::timestamptz, $5::bigint)",
                [u.id.description, u.hash.hex, String(u.count), u.lastAt?.description, String(u.lastPosition)])
        }
        try connection.executeSync("ANALYZE")
    }
}
