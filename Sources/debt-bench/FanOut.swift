import Dispatch
import Foundation
import HummingbirdWSClient
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// WebSocket fan-out: `clients` connections of one user to `/ws`; for each of `rounds` writes, the
/// time from sending `POST /api/contacts` until each connection has the notification (an upper bound
/// on "after commit": the write commits before its response, and the clock starts before the request).
enum FanOut {
    struct Result {
        let clients: Int
        /// Per write: milliseconds until half / all of the clients had the frame, and how many did.
        let rounds: [(p50: Double, all: Double, received: Int)]
    }

    actor Arrivals {
        var connected = 0
        var times: [ContinuousClock.Instant] = []
        func connect() { connected += 1 }
        func arrive(_ t: ContinuousClock.Instant) { times.append(t) }
        func take() -> [ContinuousClock.Instant] {
            defer { times = [] }
            return times
        }
    }

    static func measure(base: String, token: String, clients: Int, rounds: Int) async throws -> Result {
        let arrivals = Arrivals()
        let url = base.replacingOccurrences(of: "http://", with: "ws://") + "/ws?token=" + token
        // The connections live until the server is stopped at the end of the run.
        for _ in 0..<clients {
            Task {
                _ = try? await WebSocketClient.connect(url: url, logger: Logger(label: "debt-bench")) { inbound, _, _ in
                    await arrivals.connect()
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text = message { await arrivals.arrive(ContinuousClock.now) }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(120)
        while await arrivals.connected < clients {
            guard ContinuousClock.now < deadline else { fatal("only \(await arrivals.connected) of \(clients) WebSocket clients connected") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))
        var results: [(Double, Double, Int)] = []
        for round in 0..<rounds {
            _ = await arrivals.take()
            var request = URLRequest(url: URL(string: base + "/api/contacts")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data("{\"name\":\"Fan-out \(round)\"}".utf8)
            let sent = ContinuousClock.now
            let (_, response) = try await URLSession.shared.data(for: request)
            guard (response as? HTTPURLResponse)?.statusCode == 201 else { fatal("fan-out write failed") }
            let wait = ContinuousClock.now + .seconds(5)
            var times: [ContinuousClock.Instant] = []
            while ContinuousClock.now < wait {
                times += await arrivals.take()
                if times.count >= clients { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            let ms = times.map { t -> Double in
                let d = (t - sent).components
                return Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15
            }.sorted()
            results.append((ms.isEmpty ? .infinity : ms[ms.count / 2], ms.count >= clients ? ms[clients - 1] : .infinity, ms.count))
            try await Task.sleep(for: .milliseconds(300))
        }
        return Result(clients: clients, rounds: results)
    }

    /// Runs `measure` from the synchronous top level of the benchmark.
    static func run(base: String, token: String, clients: Int, rounds: Int) throws -> Result {
        final class Box: @unchecked Sendable { var result: Result?; var error: (any Error)? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = try await measure(base: base, token: token, clients: clients, rounds: rounds) } catch { box.error = error }
            done.signal()
        }
        done.wait()
        if let error = box.error { throw error }
        return box.result!
    }
}
