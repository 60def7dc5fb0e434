import DebtCore
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A local-first client of the sync protocol, as the mobile apps use it: edits go into a local log
/// first (offline), `push` sends what the server has not acknowledged, `pull` follows the `after=`
/// cursor, `hashMatches` compares the local log with the server's `/api/sync/hash`. A push whose
/// response is lost leaves the events pending, and the next push resends them (the server accepts a
/// resent event with the same id and data again without appending it twice). Events the server
/// refuses (stale version, invalid) are kept in `conflicts` with the server's reason: reported to the
/// user, never dropped silently.
final class SyncDevice: @unchecked Sendable {
    struct Conflict {
        let event: Event
        let reason: String
    }

    struct Unreachable: Error {}

    let name: String
    let baseURL: String
    let token: String
    /// Events the server has in its log, in log order (pulled).
    private(set) var confirmed: [Event] = []
    private var confirmedIDs: Set<Identifier> = []
    /// Local edits the server has not acknowledged yet, in the order they were made.
    private(set) var pending: [Event] = []
    /// Ids the server acknowledged (accepted) in a push.
    private(set) var acknowledged: Set<Identifier> = []
    private(set) var conflicts: [Conflict] = []
    private(set) var cursor: Int64 = 0
    private var clock = Timestamp.now().microseconds

    init(name: String, baseURL: String, token: String) {
        self.name = name
        self.baseURL = baseURL
        self.token = token
    }

    // MARK: Local edits (work offline)

    /// The local view: the server's log, then the pending edits on top.
    var ledger: Ledger {
        var l = Ledger()
        for e in confirmed { l.apply(e) }
        for e in pending { l.apply(e) }
        return l
    }

    func version(of id: Identifier, _ type: AggregateType) -> Int64 {
        ledger.streams[StreamID(type, id)]?.events.last?.version ?? 0
    }

    @discardableResult
    func record(_ type: AggregateType, _ id: Identifier, _ eventType: EventType, _ data: [String: JSONValue]) -> Event {
        clock = max(clock + 1000, Timestamp.now().microseconds)
        let e = Event(id: .random(), aggregateType: type, aggregateID: id, eventType: eventType, data: data,
                      timestamp: Timestamp(microseconds: clock), version: version(of: id, type) + 1)
        pending.append(e)
        return e
    }

    @discardableResult
    func createContact(_ name: String) -> Identifier {
        let id = Identifier.random()
        record(.contact, id, .created, ["name": .string(name)])
        return id
    }

    func renameContact(_ id: Identifier, _ name: String) { record(.contact, id, .updated, ["name": .string(name)]) }

    @discardableResult
    func lend(_ contact: Identifier, _ amount: Int64, direction: String = "lent") -> Identifier {
        let id = Identifier.random()
        record(.transaction, id, .created, ["contact_id": .string(contact.description), "amount": .integer(amount), "direction": .string(direction)])
        return id
    }

    func changeAmount(_ transaction: Identifier, _ amount: Int64, direction: String = "lent") {
        record(.transaction, transaction, .updated, ["amount": .integer(amount), "direction": .string(direction)])
    }

    // MARK: Sync

    /// Sends the pending edits in batches of `batchSize`. `loseResponse`: the request reaches the server
    /// but the reply is thrown away, as when the connection drops after the commit.
    func push(batchSize: Int = 500, loseResponse: Bool = false) async throws {
        var offset = 0
        while offset < pending.count {
            let batch = Array(pending[offset..<min(offset + batchSize, pending.count)])
            let reply = try await request("POST", "/api/sync/events", body: .array(batch.map(\.contractJSON)))
            if loseResponse { return }
            guard reply.status == 200, let results = reply.json["results"]?.arrayValue else {
                throw SyncFailed(message: "\(name): push answered \(reply.status) \(reply.body.prefix(200))")
            }
            var refused: [Identifier: String] = [:]
            var accepted: Set<Identifier> = []
            for r in results {
                guard let id = r["id"]?.stringValue.flatMap({ Identifier($0) }) else { continue }
                if r["status"]?.stringValue == "accepted" || r["status"]?.stringValue == "duplicate" { accepted.insert(id) } else {
                    refused[id] = r["reason"]?.stringValue ?? r.canonicalText
                }
            }
            for e in batch {
                if accepted.contains(e.id) { acknowledged.insert(e.id) } else if let reason = refused[e.id] { conflicts.append(Conflict(event: e, reason: reason)) }
            }
            let done = Set(batch.map(\.id)).intersection(accepted.union(refused.keys))
            pending.removeAll { done.contains($0.id) }
            offset += batch.count - done.count
        }
    }

    /// Follows the cursor until the server has nothing newer; acknowledged events come back here.
    func pull() async throws {
        while true {
            let reply = try await request("GET", "/api/sync/events?after=\(cursor)&limit=500", body: nil)
            guard reply.status == 200, let page = reply.json.arrayValue else { throw SyncFailed(message: "\(name): pull answered \(reply.status)") }
            if page.isEmpty { return }
            for json in page {
                let e = try Event(contractJSON: json)
                cursor = max(cursor, json["position"]?.integerValue ?? cursor)
                if confirmedIDs.insert(e.id).inserted { confirmed.append(e) }
            }
            pending.removeAll { confirmedIDs.contains($0.id) }
        }
    }

    func sync() async throws {
        try await push()
        try await pull()
    }

    /// The server's hash of this user's events equals the one of the local log.
    func hashMatches() async throws -> Bool {
        var mine = SyncHash()
        for e in confirmed { mine.add(e) }
        let reply = try await request("GET", "/api/sync/hash", body: nil)
        return reply.json["hash"]?.stringValue == mine.hex && reply.json["event_count"]?.integerValue == Int64(confirmed.count)
    }

    struct Reply {
        let status: Int
        let body: String
        var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
    }

    func request(_ method: String, _ path: String, body: JSONValue?) async throws -> Reply {
        var r = URLRequest(url: URL(string: baseURL + path)!)
        r.httpMethod = method
        r.timeoutInterval = 30
        r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            r.httpBody = Data(body.canonicalText.utf8)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: r)
        } catch {
            throw Unreachable()
        }
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self))
    }
}

struct SyncFailed: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
