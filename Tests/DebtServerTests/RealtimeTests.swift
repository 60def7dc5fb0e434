import DebtCore
@testable import DebtServer
import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import Testing
import TestSupport

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

@Suite("WebSocket back-pressure")
struct SlowClientTests {
    /// A WebSocket client that completes the handshake and then never reads.
    final class StalledSocket {
        let fd: Int32

        init(port: Int, token: String) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var small: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 } }
            guard ok else { throw ServerFailed(message: "connect failed") }
            let request = "GET /ws?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            _ = request.withCString { send(fd, $0, strlen($0), 0) }
            var header = [UInt8](repeating: 0, count: 1)
            var text: [UInt8] = []
            while !text.suffix(4).elementsEqual([13, 10, 13, 10]), recv(fd, &header, 1, 0) == 1 { text.append(header[0]) }
            guard String(decoding: text, as: UTF8.self).hasPrefix("HTTP/1.1 101") else { throw ServerFailed(message: "no upgrade") }
        }

        /// Reads whatever is buffered, then reports whether the server closed the connection.
        func drainUntilClosed(seconds: Int) -> Bool {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let deadline = ContinuousClock.now + .seconds(seconds)
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            while ContinuousClock.now < deadline {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return true }
                if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
            }
            return false
        }

        deinit { close(fd) }
    }

    @Test("a client that stops reading never delays the others")
    func slowClient() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let stalled = try StalledSocket(port: s.port, token: token)
        let inbox = RealtimeTests.Inbox()
        let total = 1500
        let ws = s.url.replacingOccurrences(of: "http://", with: "ws://") + "/ws?token=" + token
        let (ready, readyContinuation) = AsyncStream<Void>.makeStream()
        async let reader: Void = {
            _ = try await WebSocketClient.connect(url: ws, logger: Logger(label: "t")) { inbound, outbound, _ in
                readyContinuation.yield()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 16) {
                            if case .text(let t) = message { await inbox.add(t) }
                            if await inbox.frames.count >= total { return }
                        }
                    }
                    group.addTask { try await Task.sleep(for: .seconds(60)) }
                    _ = try await group.next()
                    group.cancelAll()
                }
                try await outbound.close(.normalClosure, reason: nil)
            }
        }()
        var it = ready.makeAsyncIterator()
        _ = await it.next()
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        var f = ClientEvents()
        for _ in 0..<(total / 500) {
            let batch = (0..<500).map { _ in f.make(.contact, .random(), .created, ["name": .string(String(repeating: "x", count: 200))], 1).contractJSON }
            #expect(try await s.request("POST", "/api/sync/events", token: token, json: .array(batch)).json["accepted"]?.arrayValue?.count == 500)
        }
        try await reader
        #expect(await inbox.frames.count == total)
        #expect(ContinuousClock.now - started < .seconds(30))
        // (Dropping it needs its socket buffers full, several MB on loopback: see hubDropsStalledSubscriber.)
        _ = stalled
    }

    @Test("the hub drops a subscriber that has not read its buffer, signals its handler, and keeps serving the rest")
    func hubDropsStalledSubscriber() async throws {
        let hub = NotificationHub()
        let user = AuthenticatedUser(id: .random(), username: "ada", isAdmin: false)
        let stalled = await hub.subscribe(user: user)
        let reader = await hub.subscribe(user: user)
        let total = await hub.bufferLimit + 10
        let payload = JSONValue.object(["user_id": .string(user.id.description), "type": "contact_created", "position": 1]).canonicalText
        let counted = Task {
            var n = 0
            for await _ in reader.frames {
                n += 1
                if n == total { break }
            }
            return n
        }
        for i in 0..<total {
            await hub.deliver(payload: payload)
            if i % 100 == 0 { await Task.yield() }
        }
        var signalled = false
        for await _ in stalled.dropped { signalled = true }
        #expect(signalled)
        #expect(await counted.value == total)
        #expect(await hub.count == 1)
    }
}
