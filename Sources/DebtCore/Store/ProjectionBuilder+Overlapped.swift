/// The builder with a writer connection of its own: both connections and this process's replay work at
/// once instead of one after the other. At 1,000,000 events, one after the other, PostgreSQL sorted the
/// transactions' events for 0.7 s before their first page while nothing else ran, and each table's
/// indexes were built on one connection after its last row while the other waited.
///
/// 1. `session` opens the transactions' cursor and asks for its first page (PostgreSQL sorts); meanwhile
///    the writer reads the contacts, which are replayed here and kept (`holdContacts`).
/// 2. The transactions are replayed page by page while the next page is read on `session` and the last
///    batch is copied in on the writer.
/// 3. The read commits. Then both connections, in autocommit, take the remaining work from one queue:
///    the contacts' rows (with their balances, now known) and statements, and each of the
///    transactions' `finishing` statements, which are independent.
///
/// Without `holdContacts`, the contacts are replayed after the transactions, while the writer runs the
/// transactions' statements, as on one connection. Nothing is left running on either connection when
/// this returns or throws.
extension ProjectionBuilder {
    func buildOverlapped(upTo head: Int64, writer: any SQLSession, progress: (Int64, Int64) throws -> Void) async throws -> Int64 {
        var processed: Int64 = 0
        var balances: [Identifier: Int64] = [:]
        var held: [(ContactState, Int64)] = []
        var writes = WriteQueue(session: session, writer: writer)
        var transactions = CopyRows(width: ProjectionRow.transactionColumns.count)
        let (transactionsTable, flushSize) = (self.transactionsTable, self.flushSize)
        try await inTransaction(session, abandoning: &writes) { writes in
            try await declareCursor(.transaction, on: session, upTo: head)
            let reader = Sequenced(session)
            let fetch = fetchPage
            let first = Task { try await reader.session.replayEvents(fetch) }
            if holdContacts {
                do {
                    try await writer.transaction {
                        try await declareCursor(.contact, on: writer, upTo: head)
                        try await replay(from: writer, upTo: head, processed: &processed, progress: progress) { state, last in
                            if case .contact(let c) = state { held.append((c, last)) }
                        } flush: { _ in }
                    }
                } catch {
                    _ = await first.result
                    throw error
                }
            }
            try await replay(from: session, upTo: head, first: first, processed: &processed, progress: progress) { state, last in
                try addTransaction(state, position: last, to: &transactions, balances: &balances)
            } flush: { force in
                try await writes.copy(&transactions, into: transactionsTable, columns: ProjectionRow.transactionColumns, at: force ? 1 : flushSize)
            }
            try await writes.drain()
        }
        guard holdContacts else {
            return try await contactsAfterwards(upTo: head, balances: balances, processed: processed, writes: &writes, progress: progress)
        }
        // The contacts' rows and statements in order, as one piece of work; each transactions' statement
        // as another.
        let (contactsTable, contactStatements) = (self.contactsTable, finishing[contactsTable] ?? [])
        let rows = held
        let totals = balances
        held = []
        var work: [FinishingQueue.Work] = [{ session in
            var contacts = CopyRows(width: ProjectionRow.contactCopyColumns.count)
            for (i, (c, last)) in rows.enumerated() {
                ProjectionRow.appendContact(c, position: last, balance: totals[c.id] ?? 0, to: &contacts)
                if contacts.count >= 20 * flushSize || i == rows.count - 1 {
                    try await session.copyRows(into: contactsTable, columns: ProjectionRow.contactCopyColumns, contacts)
                    contacts.removeAll()
                }
            }
            for sql in contactStatements { try await session.execute(sql) }
        }]
        for sql in finishing[transactionsTable] ?? [] { work.append { try await $0.execute(sql) } }
        try await FinishingQueue(work).run(on: [Sequenced(session), Sequenced(writer)])
        return processed
    }

    /// The contacts replayed after the transactions (too many to hold): read on `session`, written on the
    /// writer, which first runs the transactions' statements.
    private func contactsAfterwards(
        upTo head: Int64, balances: [Identifier: Int64], processed: Int64, writes: inout WriteQueue,
        progress: (Int64, Int64) throws -> Void
    ) async throws -> Int64 {
        var processed = processed
        for sql in finishing[transactionsTable] ?? [] { try await writes.send { try await $0.execute(sql) } }
        try await inTransaction(session, abandoning: &writes) { writes in
            try await replayContacts(upTo: head, balances: balances, processed: &processed, writes: &writes, progress: progress)
            try await writes.drain()
        }
        for sql in finishing[contactsTable] ?? [] { try await writer?.execute(sql) }
        return processed
    }

    /// Runs `body` in a transaction on `reader`; when it throws, first waits for the write on its way
    /// (so that neither connection is busy when the error surfaces), then rolls back.
    private func inTransaction(
        _ reader: any SQLSession, abandoning writes: inout WriteQueue, _ body: (inout WriteQueue) async throws -> Void
    ) async throws {
        try await reader.execute("BEGIN")
        do {
            try await body(&writes)
            try await reader.execute("COMMIT")
        } catch {
            await writes.abandon()
            if (error as? SQLError)?.kind != .connection { try? await reader.execute("ROLLBACK") }
            throw error
        }
    }
}

/// Independent pieces of work spread over several sessions: each session takes the next piece as soon
/// as it is free. After a failure no piece is started any more; `run` returns once every session is
/// idle, and throws the first failure.
actor FinishingQueue {
    typealias Work = @Sendable (any SQLSession) async throws -> Void
    private var work: [Work]
    private var next = 0
    private var failure: (any Error)?

    init(_ work: [Work]) { self.work = work }

    private func take() -> Work? {
        guard failure == nil, next < work.count else { return nil }
        defer { next += 1 }
        return work[next]
    }

    private func failed(_ error: any Error) { if failure == nil { failure = error } }

    nonisolated func run(on sessions: [Sequenced]) async throws {
        await withTaskGroup(of: Void.self) { group in
            for s in sessions {
                group.addTask {
                    while let piece = await self.take() {
                        do { try await piece(s.session) } catch { await self.failed(error) }
                    }
                }
            }
        }
        if let failure = await failure { throw failure }
    }
}
