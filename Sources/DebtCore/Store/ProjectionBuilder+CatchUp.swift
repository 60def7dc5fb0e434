extension ProjectionBuilder {
    /// Brings the tables from `from` up to `to`: every stream with an event in that range is replayed
    /// whole and its row replaced (or removed); balances of every contact involved are recomputed.
    func catchUp(from: Int64, to: Int64, store: EventStore) async throws -> Int64 {
        guard to > from else { return 0 }
        let ids = try await session.query(
            "SELECT DISTINCT aggregate_type, aggregate_id::text FROM events WHERE position > $1::bigint AND position <= $2::bigint",
            [String(from), String(to)])
        var contacts: [JSONValue] = []
        var transactions: [JSONValue] = []
        var removed: [String: [Identifier]] = [:]
        var balanceContacts = Set<Identifier>()
        for r in ids {
            guard let a = r[0].flatMap({ AggregateType(rawValue: $0) }), let id = r[1].flatMap({ Identifier($0) }) else { continue }
            let replay = try await store.stream(StreamID(a, id))
            let last = replay.events.compactMap(\.position).max() ?? 0
            for e in replay.events { if let c = e.data["contact_id"]?.stringValue.flatMap({ Identifier($0) }) { balanceContacts.insert(c) } }
            switch replay.state {
            case .contact(let c)?: contacts.append(ProjectionRow.contact(c, position: last)); balanceContacts.insert(c.id)
            case .transaction(let t)?: transactions.append(ProjectionRow.transaction(t, position: last))
            case nil: removed[a == .contact ? contactsTable : transactionsTable, default: []].append(id)
            }
        }
        for (table, list) in removed {
            _ = try await session.query("DELETE FROM \(table) WHERE id = ANY($1::uuid[])", [SQLText.uuidArray(list)])
        }
        if !contacts.isEmpty {
            _ = try await session.query(ProjectionRow.upsertContacts(into: contactsTable), [JSONValue.array(contacts).compactText])
        }
        if !transactions.isEmpty {
            _ = try await session.query(ProjectionRow.upsertTransactions(into: transactionsTable), [JSONValue.array(transactions).compactText])
        }
        if !balanceContacts.isEmpty {
            _ = try await session.query(
                ProjectionRow.recomputeBalances(contacts: contactsTable, transactions: transactionsTable), [SQLText.uuidArray(balanceContacts)])
        }
        return Int64(ids.count)
    }
}
