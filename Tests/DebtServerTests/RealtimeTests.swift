import DebtCore
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Testing

@Suite("WebSocket notifications")
struct RealtimeTests {
    actor Inbox {
        var frames: [String] = []
        func add(_ s: String) { frames.append(s) }
    }

    /// Connects a WebSocket client and collects frames until `until` returns true or time runs out.
    func listen(_ url: String, token: String, inbox: Inbox, ready: @escaping @Sendable () async -> Void, seconds: Int = 10) async throws {
        let ws = url.replacingOccurrences(of: "http://", with: "ws://") + "/ws?token=" + token
        _ = try await WebSocketClient.connect(url: ws, logger: Logger(label: "test")) { inbound, outbound, _ in
            await ready()
            // Read until the first frame or until time is up, then close (a client hearing nothing must end too).
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        if case .text(let s) = message {
                            await inbox.add(s)
                            return
                        }
                    }
                }
                group.addTask { try await Task.sleep(for: .seconds(seconds)) }
                _ = try await group.next()
                group.cancelAll()
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
    }

    @Test("a write through instance A reaches a client of instance B; another user's client hears nothing")
    func crossInstance() async throws {
        let a = try await ServerProcess.start()
        let b = try await ServerProcess.start(databaseURL: a.databaseURL)
        let (alice, _) = try await a.login("alice")
        let (bob, _) = try await a.login("bob")
        let aliceInbox = Inbox()
        let bobInbox = Inbox()
        let (readyStream, readyContinuation) = AsyncStream<Void>.makeStream()
        async let aliceDone: Void = listen(b.url, token: alice, inbox: aliceInbox, ready: { readyContinuation.yield() })
        async let bobDone: Void = listen(b.url, token: bob, inbox: bobInbox, ready: { readyContinuation.yield() }, seconds: 3)
        var it = readyStream.makeAsyncIterator()
        _ = await it.next()
        _ = await it.next()
        try await Task.sleep(for: .milliseconds(200))
        let created = try await a.request("POST", "/api/contacts", token: alice, json: ["name": "Live"])
        _ = try await (aliceDone, bobDone)
        let frames = await aliceInbox.frames
        #expect(frames.count == 1)
        let frame = try JSONValue(parsing: frames.first ?? "")
        #expect(frame["type"] == "contact_created")
        #expect(frame["data"]?["aggregate_id"] == created.json["id"])
        #expect(await bobInbox.frames.isEmpty)
    }

    @Test("the upgrade needs a valid token")
    func needsToken() async throws {
        let s = try await ServerProcess.start()
        await #expect(throws: (any Error).self) {
            _ = try await WebSocketClient.connect(url: s.url.replacingOccurrences(of: "http://", with: "ws://") + "/ws", logger: Logger(label: "t")) { _, _, _ in }
        }
    }
}
