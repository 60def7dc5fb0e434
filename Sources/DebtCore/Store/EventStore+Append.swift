extension EventStore {
    /// Appends a batch through the one append path and returns one outcome per event, in order.
    ///
    /// In one transaction: take the append lock (positions dense and in commit order), read what the
    /// planner needs, let `AppendPlanner` decide, then write the accepted events, their projection rows,
    /// balances, sync hashes and checkpoints, and NOTIFY. Nothing is written when every event is
    /// refused or a duplicate. A database error rolls the whole batch back and is thrown.
    /// Each event must carry its `userID`; its `metadata` is stored as given.
    public func append(_ batch: [Event], options: AppendOptions) async throws -> [AppendOutcome] {
        guard !batch.isEmpty else { return [] }
        // The digests do not depend on the log: for a large batch (a sync push) another thread computes
        // them while the lock and the snapshot take their round trips. A small one is not worth a thread
        // (debtctl starts none for its appends).
        let digests = batch.count >= 64 ? Task { batch.map(\.digest) } : nil
        // Two pipelines (`SQLSession.pipeline`): BEGIN, the lock and the snapshot; then the writes and
        // COMMIT. Every statement is inside the transaction, so one that fails makes the ones after it
        // fail, and COMMIT roll back.
        do {
            let opened = try await session.pipeline([
                SQLStatement("BEGIN"),
                SQLStatement("SELECT pg_advisory_xact_lock($1::bigint)", [String(Schema.appendLockKey)], prepared: true),
                snapshotStatement(for: batch),
            ])
            let snapshot = try decodeSnapshot(opened[2], for: batch)
            let plan = AppendPlanner(options: options).plan(batch, snapshot: snapshot, digests: await digests?.value)
            _ = try await session.pipeline((plan.appended.isEmpty ? [] : writeStatements(plan)) + [SQLStatement("COMMIT")])
            return plan.outcomes
        } catch {
            // As `SQLSession.transaction` does: a broken connection has nothing to roll back.
            if (error as? SQLError)?.kind != .connection { try? await session.execute("ROLLBACK") }
            throw error
        }
    }

    /// Everything the planner reads, in one statement under the lock: a row 'h' with the head, the
    /// batch's ids already in the log and its users' sync hashes; rows 'e', the events of the batch's
    /// streams; rows 'c', the facts of the contacts the batch names or its streams' events name.
    func snapshotStatement(for batch: [Event]) -> SQLStatement {
        let users = Set(batch.compactMap(\.userID))
        let streams = Set(batch.map(\.stream))
        var contactIDs = Set<Identifier>()
        for stream in streams where stream.aggregateType == .contact { contactIDs.insert(stream.aggregateID) }
        for e in batch {
            if let c = e.data["contact_id"]?.stringValue.flatMap({ Identifier($0) }) { contactIDs.insert(c) }
        }
        return SQLStatement(
            """
            WITH history AS (SELECT * FROM events WHERE aggregate_id = ANY($3::uuid[])),
            contact_ids AS (
                SELECT unnest($4::uuid[]) AS id
                UNION
                SELECT (event_data ->> 'contact_id')::uuid FROM history
                 WHERE event_data ->> 'contact_id' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
            )
            SELECT 'h', (SELECT coalesce(max(position), 0) FROM events)::text, \(SQLText.micros("now()")),
                   (SELECT coalesce(json_agg(json_build_array(event_id::text, encode(digest, 'hex'), position::text)), '[]')
                      FROM events WHERE event_id = ANY($1::uuid[]))::text,
                   (SELECT coalesce(json_agg(json_build_array(user_id::text, encode(hash, 'hex'), event_count::text)), '[]')
                      FROM sync_state WHERE user_id = ANY($2::uuid[]))::text,
                   NULL, NULL, NULL, NULL, NULL, NULL, NULL
            UNION ALL
            SELECT 'e', \(EventRow.columns) FROM history AS events
            UNION ALL
            SELECT 'c', c.id::text, c.user_id::text, (NOT c.is_deleted)::text, c.balance::text,
                   (SELECT count(*) FROM transactions_projection t WHERE t.contact_id = c.id AND NOT t.is_deleted)::text,
                   NULL, NULL, NULL, NULL, NULL, NULL
              FROM contacts_projection c WHERE c.id IN (SELECT id FROM contact_ids)
            """,
            [SQLText.uuidArray(Set(batch.map(\.id))), SQLText.uuidArray(users), SQLText.uuidArray(Set(streams.map(\.aggregateID))),
             SQLText.uuidArray(contactIDs)], prepared: true)
    }

    /// The snapshot statement's rows, read into what the planner takes.
    func decodeSnapshot(_ rows: [[String?]], for batch: [Event]) throws -> AppendSnapshot {
        let streams = Set(batch.map(\.stream))
        guard let row = rows.first(where: { $0.first == "h" }).map({ Array($0.dropFirst()) }), let headPosition = row[0].flatMap({ Int64($0) }),
            let now = row[1].flatMap({ Int64($0) }),
            let existing = try row[2].map({ try JSONValue(parsing: $0) })?.arrayValue,
            let hashes = try row[3].map({ try JSONValue(parsing: $0) })?.arrayValue
        else { throw StoreError.corrupt("head position") }
        var snapshot = AppendSnapshot(headPosition: headPosition, now: Timestamp(microseconds: now))
        for item in existing {
            let r = item.arrayValue ?? []
            guard r.count == 3, let id = r[0].stringValue.flatMap({ Identifier($0) }), let d = r[1].stringValue.flatMap({ bytes(fromHex: $0) }),
                let p = r[2].stringValue.flatMap({ Int64($0) })
            else { throw StoreError.corrupt("event digest") }
            snapshot.existing[id] = (d, p)
        }
        for item in hashes {
            let r = item.arrayValue ?? []
            guard r.count == 3, let user = r[0].stringValue.flatMap({ Identifier($0) }), let count = r[2].stringValue.flatMap({ Int64($0) }),
                let hash = r[1].stringValue.flatMap({ SyncHash(hex: $0, count: count) })
            else { throw StoreError.corrupt("sync state") }
            snapshot.syncHashes[user] = hash
        }

        for stream in streams { snapshot.histories[stream] = StreamReplay() }
        let history = try rows.filter { $0.first == "e" }.map { try EventRow.decode(Array($0.dropFirst())) }
        for e in history.sorted(by: { ($0.position ?? 0) < ($1.position ?? 0) }) where streams.contains(e.stream) {
            snapshot.histories[e.stream, default: StreamReplay()].apply(e)
        }

        for r in rows where r.first == "c" {
            guard let id = r[1].flatMap({ Identifier($0) }), let user = r[2].flatMap({ Identifier($0) }),
                let balance = r[4].flatMap({ Int64($0) }), let live = r[5].flatMap({ Int($0) })
            else { throw StoreError.corrupt("contact facts") }
            snapshot.contacts[id] = ContactFacts(userID: user, isLive: r[3] == "true", balance: balance, liveTransactions: live)
        }
        return snapshot
    }

    /// The statements that write an accepted plan: everything but the balances in one, and the
    /// balances, which read the transactions just written, in a second when a contact needs one.
    func writeStatements(_ plan: AppendPlan) -> [SQLStatement] {
        // The statement's parameters: each column of each kind of row as one array (`SQLArrayLiteral`),
        // which the statement `unnest`s back into rows.
        let n = plan.appended.count
        var events = (0..<11).map { _ in SQLArrayLiteral(capacity: 48 * n) }
        var notifications = SQLArrayLiteral(capacity: 256 * n)
        var scratch: [UInt8] = []
        var note = JSONTextWriter(capacity: 256)
        var lastPosition: [StreamID: Int64] = [:]
        var lastRecorded: [Identifier: Int64] = [:]
        for (e, digest) in zip(plan.appended, plan.digests) {
            let position = e.position ?? 0
            events[0].append(position)
            events[1].append(e.id)
            if let u = e.userID { events[2].append(u) } else { events[2].append(nil as String?) }
            events[3].append(e.aggregateType.rawValue)
            events[4].append(e.aggregateID)
            events[5].append(e.eventType.rawValue)
            events[6].append(e.version)
            events[7].append(json: .object(e.data), scratch: &scratch)
            events[8].append(json: e.metadata.json, scratch: &scratch)
            events[9].append(e.timestamp.description)
            events[10].append(hex: digest)
            note.removeAll()
            e.writeNotification(into: &note)
            notifications.append(quoting: note.bytes)
            lastPosition[e.stream] = position
            if let u = e.userID { lastRecorded[u] = position }
        }
        var contacts = ProjectionRow.contactColumns.map { _ in SQLArrayLiteral() }
        var transactions = ProjectionRow.transactionColumns.map { _ in SQLArrayLiteral() }
        var removedContacts = SQLArrayLiteral()
        var removedTransactions = SQLArrayLiteral()
        for (stream, state) in plan.states {
            let position = lastPosition[stream] ?? 0
            switch state {
            case .contact(let c)?:
                for (i, value) in ProjectionRow.contactValues(c, position: position).enumerated() { contacts[i].append(value) }
            case .transaction(let t)?:
                for (i, value) in ProjectionRow.transactionValues(t, position: position).enumerated() { transactions[i].append(value) }
            case nil:
                if stream.aggregateType == .contact { removedContacts.append(stream.aggregateID) } else {
                    removedTransactions.append(stream.aggregateID)
                }
            }
        }
        var hashes = (0..<4).map { _ in SQLArrayLiteral() }
        for (user, hash) in plan.syncHashes {
            hashes[0].append(user)
            hashes[1].append(hash.hex)
            hashes[2].append(hash.count)
            hashes[3].append(lastRecorded[user] ?? 0)
        }
        // Parameters: $1–$11 events, $12 notifications, $13 removed contacts, $14 removed transactions,
        // $15 the head position, $16–$19 sync hashes, then the contact rows' columns and the transaction
        // rows'.
        let contactsFrom = 20
        let transactionsFrom = contactsFrom + contacts.count
        var parameters: [String?] = events.map(\.text)
        parameters.append(notifications.text)
        parameters.append(removedContacts.text)
        parameters.append(removedTransactions.text)
        parameters.append(String(plan.headPosition))
        parameters += hashes.map(\.text)
        parameters += contacts.map(\.text)
        parameters += transactions.map(\.text)
        // Everything but the balances in one statement; its data-modifying parts touch different rows,
        // so none depends on another's effect.
        var statements = [SQLStatement(
            """
            WITH appended AS (
                INSERT INTO events (position, event_id, user_id, aggregate_type, aggregate_id, event_type, version,
                                    event_data, metadata, occurred_at, digest)
                SELECT position, event_id, user_id, aggregate_type, aggregate_id, event_type, version,
                       event_data, metadata, occurred_at, decode(digest, 'hex')
                  FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::bigint[],
                              $8::jsonb[], $9::jsonb[], $10::timestamptz[], $11::text[])
                       AS x(position, event_id, user_id, aggregate_type, aggregate_id, event_type, version, event_data,
                            metadata, occurred_at, digest)
                RETURNING 1
            ), removed_contacts AS (
                DELETE FROM contacts_projection WHERE id = ANY($13::uuid[])
                RETURNING 1
            ), removed_transactions AS (
                DELETE FROM transactions_projection WHERE id = ANY($14::uuid[])
                RETURNING 1
            ), contacts AS (
                \(ProjectionRow.upsertContacts(into: "contacts_projection", arraysFrom: contactsFrom))
                RETURNING 1
            ), transactions AS (
                \(ProjectionRow.upsertTransactions(into: "transactions_projection", arraysFrom: transactionsFrom))
                RETURNING 1
            ), hashes AS (
                INSERT INTO sync_state (user_id, hash, event_count, last_event_at, last_position)
                SELECT user_id, decode(hash, 'hex'), event_count, now(), last_position
                  FROM unnest($16::uuid[], $17::text[], $18::bigint[], $19::bigint[]) AS x(user_id, hash, event_count, last_position)
                ON CONFLICT (user_id) DO UPDATE SET hash = EXCLUDED.hash, event_count = EXCLUDED.event_count,
                       last_event_at = EXCLUDED.last_event_at, last_position = EXCLUDED.last_position
                RETURNING 1
            ), checkpoints AS (
                UPDATE projection_checkpoints SET position = $15::bigint, updated_at = now()
                 WHERE position < $15::bigint
                RETURNING 1
            ), notified AS (
                SELECT pg_notify('\(Schema.notifyChannel)', n) FROM unnest($12::text[]) AS n
            )
            SELECT (SELECT count(*) FROM appended)::text, (SELECT count(*) FROM notified)::text
            """, parameters, prepared: true)]
        if !plan.balanceContacts.isEmpty {
            statements.append(SQLStatement(
                ProjectionRow.recomputeBalances(contacts: "contacts_projection", transactions: "transactions_projection"),
                [SQLText.uuidArray(plan.balanceContacts)], prepared: true))
        }
        return statements
    }
}
