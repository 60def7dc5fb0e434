import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("Concurrent writers")
struct ConcurrencyTests {
    @Test("N writers racing on one aggregate: exactly one wins each version, positions dense")
    func racingWriters() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        var f = EventFactory(user: user)
        let c = f.contactCreated()
        _ = try await store.append([c], options: .client)
        let writers = 8
        let rounds = 15
        let wins = try await withThrowingTaskGroup(of: Int.self) { group in
            for w in 0..<writers {
                group.addTask {
                    let s = EventStore(session: try PQConnection(url))
                    var mine = EventFactory(user: user)
                    var won = 0
                    for _ in 0..<rounds {
                        let version = try await s.stream(c.stream).version + 1
                        let e = mine.contactUpdated(c.aggregateID, version: version, ["notes": .string("writer \(w)")])
                        if case .appended = try await s.append([e], options: .client)[0] { won += 1 }
                    }
                    return won
                }
            }
            return try await group.reduce(0, +)
        }
        let db = try PQConnection(url)
        let rows = try db.querySync("SELECT position::text, version::text FROM events ORDER BY events.position", [])
        #expect(rows.count == wins + 1)
        #expect(rows.map { Int($0[0]!)! } == Array(1...(wins + 1)))
        #expect(rows.map { Int($0[1]!)! } == Array(1...(wins + 1)))
        #expect(wins >= rounds)
    }

    @Test("a cursor reader polling 'after N' during concurrent appends never skips a position")
    func gapFreeCursor() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "u")
        let writers = 6
        let perWriter = 40
        let total = writers * perWriter
        async let seen: [Int64] = {
            let reader = EventStore(session: try PQConnection(url))
            var last: Int64 = 0
            var positions: [Int64] = []
            while positions.count < total {
                let batch = try await reader.events(of: user, after: last, limit: 17)
                for e in batch { positions.append(e.position ?? -1) }
                last = positions.last ?? 0
            }
            return positions
        }()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<writers {
                group.addTask {
                    let s = EventStore(session: try PQConnection(url))
                    var f = EventFactory(user: user)
                    for i in 0..<perWriter {
                        // Mix single appends and small batches so commits of different sizes interleave.
                        if i % 4 == 0 {
                            _ = try await s.append([f.contactCreated(), f.contactCreated()], options: .client)
                        } else if i % 4 != 1 {
                            _ = try await s.append([f.contactCreated()], options: .client)
                        } else {
                            _ = try await s.append([], options: .client)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let head = try await store.headPosition()
        let positions = try await seen
        #expect(head == Int64(total))
        #expect(positions == Array(1...Int64(total)))
        let hash = try await store.syncHash(of: user).hash
        #expect(hash.count == Int64(total))
    }
}
