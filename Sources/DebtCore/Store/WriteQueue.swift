/// A session handed to a task that uses it while its owner does not (the owner awaits the task before
/// its next statement), which the type system cannot see.
struct Sequenced: @unchecked Sendable {
    let session: any SQLSession
    init(_ session: any SQLSession) { self.session = session }
}

/// A projection builder's writes, one at a time. With a writer session of its own, a write runs in a
/// task while the builder goes on reading and replaying, and the next write first waits for it (so that
/// at most one batch is on its way and one is being gathered); on the reading session itself each write
/// runs at once, since that connection is also reading.
struct WriteQueue {
    private let target: Sequenced
    private let overlapped: Bool
    private var pending: Task<Void, any Error>?

    init(session: any SQLSession, writer: (any SQLSession)?) {
        target = Sequenced(writer ?? session)
        overlapped = writer.map { $0 !== session } ?? false
    }

    mutating func send(_ work: @escaping @Sendable (any SQLSession) async throws -> Void) async throws {
        try await drain()
        let target = target
        if overlapped {
            pending = Task { try await work(target.session) }
        } else {
            try await work(target.session)
        }
    }

    /// Sends `rows` with COPY, and empties them, once they number `threshold` or more.
    mutating func copy(_ rows: inout CopyRows, into table: String, columns: [String], at threshold: Int) async throws {
        guard !rows.isEmpty, rows.count >= threshold else { return }
        let batch = rows
        rows.removeAll()
        try await send { try await $0.copyRows(into: table, columns: columns, batch) }
    }

    /// Waits for the write on its way; throws its failure.
    mutating func drain() async throws {
        guard let p = pending else { return }
        pending = nil
        try await p.value
    }

    /// Waits for the write on its way, ignoring its outcome (the builder is failing already).
    mutating func abandon() async {
        _ = await pending?.result
        pending = nil
    }
}
