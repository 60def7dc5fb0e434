public import DebtCore
public import Foundation

/// A real headless Chromium driven over the DevTools protocol through `--remote-debugging-pipe`
/// (requests on the browser's fd 3, replies and events on its fd 4, each message ending in a NUL byte),
/// so no WebSocket client or open port is needed. Calls block until the reply arrives (30 s at most).
public final class HeadlessBrowser: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ d: String) { description = d }
    }

    /// The Chromium on the PATH, if any.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    let pid: pid_t
    let toBrowser: Int32
    let fromBrowser: Int32
    let profile: String
    private var nextID: Int64 = 0
    private var buffer: [UInt8] = []
    /// Events received while waiting for replies, in order (method, params, session).
    private(set) var events: [(method: String, params: JSONValue, session: String?)] = []
    let lock = NSLock()

    public init(downloads: String? = nil) throws {
        guard let chromium = Self.executable else { throw Failure("chromium is not installed (scripts/install-deps installs it)") }
        var commands: [Int32] = [0, 0]
        var replies: [Int32] = [0, 0]
        guard pipe(&commands) == 0, pipe(&replies) == 0 else { throw Failure("pipe failed") }
        profile = NSTemporaryDirectory() + "debt-chromium-" + UUID().uuidString
        let stderrPath = profile + ".log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, commands[0], 3)
        posix_spawn_file_actions_adddup2(&actions, replies[1], 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so that the renderer and GPU helpers end with it.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let arguments = [
            chromium, "--headless=new", "--remote-debugging-pipe", "--user-data-dir=\(profile)", "--no-first-run",
            "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars", "--window-size=1400,900",
            // Root and most containers (CI) cannot set up Chromium's sandbox; this browser only ever
            // loads the test's own server.
            "--no-sandbox", "about:blank",
        ]
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = profile
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, chromium, &actions, &attributes, argv, envp)
        close(commands[0])
        close(replies[1])
        guard rc == 0 else {
            close(commands[1])
            close(replies[0])
            throw Failure("cannot start \(chromium): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
        toBrowser = commands[1]
        fromBrowser = replies[0]
        if let downloads {
            _ = try call("Browser.setDownloadBehavior", ["behavior": "allow", "downloadPath": .string(downloads), "eventsEnabled": true])
        }
    }

    deinit {
        _ = try? call("Browser.close", [:], timeout: 5)
        close(toBrowser)
        close(fromBrowser)
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        try? FileManager.default.removeItem(atPath: profile)
        unlink(profile + ".log")
    }

    /// Sends one command and waits for its reply; events that arrive meanwhile are kept in `events`.
    @discardableResult
    public func call(_ method: String, _ params: JSONValue = [:], session: String? = nil, timeout: Double = 30) throws -> JSONValue {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        let id = nextID
        var message: [String: JSONValue] = ["id": .integer(id), "method": .string(method), "params": params]
        if let session { message["sessionId"] = .string(session) }
        var bytes = Array(JSONValue.object(message).canonicalText.utf8)
        bytes.append(0)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure("the browser closed its pipe (\(method))") }
            written += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try nextMessage(until: deadline, waitingFor: method)
            if reply["id"]?.integerValue == id {
                if let error = reply["error"] { throw Failure("\(method): \(error["message"]?.stringValue ?? error.canonicalText)") }
                return reply["result"] ?? .null
            }
            if let event = reply["method"]?.stringValue {
                events.append((event, reply["params"] ?? .null, reply["sessionId"]?.stringValue))
            }
        }
    }

    private func nextMessage(until deadline: Date, waitingFor method: String) throws -> JSONValue {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let message = Array(buffer[..<end])
                buffer.removeSubrange(...end)
                return try JSONValue(parsing: message)
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw Failure("no reply from the browser to \(method)") }
            var p = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(remaining, 1) * 1000))
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = chunk.withUnsafeMutableBytes { read(fromBrowser, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure("the browser ended while waiting for \(method)") }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// Events of one kind received so far (for instance `Log.entryAdded`), optionally only one page's.
    public func received(_ method: String, session: String? = nil) -> [JSONValue] {
        lock.lock()
        defer { lock.unlock() }
        return events.filter { $0.method == method && (session == nil || $0.session == session) }.map(\.params)
    }

    /// A new tab, attached, with the page, runtime and log domains on.
    public func newPage(width: Int = 1400, height: Int = 900) throws -> Page {
        let target = try call("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"]?.stringValue else { throw Failure("no target id") }
        let attached = try call("Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
        guard let session = attached["sessionId"]?.stringValue else { throw Failure("no session id") }
        let page = Page(browser: self, session: session)
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] { try page.call(domain) }
        try page.call("Emulation.setDeviceMetricsOverride", [
            "width": .integer(Int64(width)), "height": .integer(Int64(height)), "deviceScaleFactor": 1, "mobile": false,
        ])
        return page
    }

    /// One tab. Everything is done the way a user would: real key input and real mouse clicks at the
    /// element's position; JavaScript is used only to read the page's state and find elements.
    public final class Page: @unchecked Sendable {
        let browser: HeadlessBrowser
        public let session: String

        init(browser: HeadlessBrowser, session: String) {
            self.browser = browser
            self.session = session
        }

        @discardableResult
        public func call(_ method: String, _ params: JSONValue = [:]) throws -> JSONValue {
            try browser.call(method, params, session: session)
        }

        /// Navigates and waits for the document to finish loading.
        public func open(_ url: String) throws {
            let r = try call("Page.navigate", ["url": .string(url)])
            if let error = r["errorText"]?.stringValue { throw Failure("navigation to \(url) failed: \(error)") }
            try waitFor("document.readyState === 'complete'")
        }

        /// Evaluates an expression (awaiting a promise) and returns its value as JSON.
        @discardableResult
        public func evaluate(_ expression: String) throws -> JSONValue {
            let r = try call("Runtime.evaluate", ["expression": .string(expression), "returnByValue": true, "awaitPromise": true])
            if let exception = r["exceptionDetails"] {
                throw Failure("script failed: \(exception["exception"]?["description"]?.stringValue ?? exception.canonicalText)\n  in: \(expression)")
            }
            return r["result"]?["value"] ?? .null
        }

        /// Polls `expression` until it is truthy; returns its value. Fails after `timeout` seconds with
        /// the last value and `describe` (an expression giving context, such as the page's text).
        @discardableResult
        public func waitFor(_ expression: String, timeout: Double = 15, describe: String = "document.body ? document.body.innerText.slice(0, 2000) : ''") throws -> JSONValue {
            let deadline = Date().addingTimeInterval(timeout)
            var last: JSONValue = .null
            while Date() < deadline {
                last = try evaluate(expression)
                switch last {
                case .null, .bool(false), .integer(0), .string(""): break
                default: return last
                }
                usleep(50_000)
            }
            let context = (try? evaluate(describe))?.stringValue ?? ""
            throw Failure("timed out after \(timeout) s waiting for: \(expression) (last value \(last.canonicalText))\n--- page:\n\(context)")
        }

        /// The centre of the first element matching `selector`, scrolled into view.
        func centre(of selector: String) throws -> (Double, Double) {
            let js = """
                (() => { const e = document.querySelector(\(JSONValue.string(selector).canonicalText)); if (!e) return null;
                  e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
                  if (r.width === 0 || r.height === 0) return null; return [r.x + r.width / 2, r.y + r.height / 2]; })()
                """
            let point = try waitFor(js, timeout: 10, describe: "'no visible element ' + \(JSONValue.string(selector).canonicalText)")
            guard let a = point.arrayValue, a.count == 2, let x = a[0].doubleValue, let y = a[1].doubleValue else { throw Failure("no position for \(selector)") }
            return (x, y)
        }

        /// A real mouse click on the element's centre.
        public func click(_ selector: String) throws {
            let (x, y) = try centre(of: selector)
            for type in ["mousePressed", "mouseReleased"] {
                try call("Input.dispatchMouseEvent", ["type": .string(type), "x": .double(x), "y": .double(y), "button": "left", "clickCount": 1])
            }
        }

        /// Clicks into a field, selects what is there and types `text` as key input.
        public func type(_ selector: String, _ text: String) throws {
            try click(selector)
            try evaluate("document.querySelector(\(JSONValue.string(selector).canonicalText)).select?.()")
            try call("Input.insertText", ["text": .string(text)])
        }

        /// Chooses an option of a `<select>` by its value, as picking it from the list would (change event).
        public func choose(_ selector: String, value: String) throws {
            let js = """
                (() => { const s = document.querySelector(\(JSONValue.string(selector).canonicalText));
                  if (!s || ![...s.options].some(o => o.value === \(JSONValue.string(value).canonicalText))) return false;
                  s.focus(); s.value = \(JSONValue.string(value).canonicalText); s.dispatchEvent(new Event('input', {bubbles: true}));
                  s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()
                """
            guard try waitFor(js, timeout: 10) == .bool(true) else { throw Failure("no option \(value) in \(selector)") }
        }

        /// Presses Enter in the focused element.
        public func pressEnter() throws {
            for type in ["keyDown", "keyUp"] {
                try call("Input.dispatchKeyEvent", ["type": .string(type), "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": type == "keyDown" ? "\r" : ""])
            }
        }

        /// The text of the page (what a user reads).
        public func text(_ selector: String = "body") throws -> String {
            try evaluate("(document.querySelector(\(JSONValue.string(selector).canonicalText)) || {}).innerText || ''").stringValue ?? ""
        }

        /// A PNG of the viewport (or the full page).
        public func screenshot(fullPage: Bool = false) throws -> Data {
            let r = try call("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": .bool(fullPage)])
            guard let text = r["data"]?.stringValue, let data = Data(base64Encoded: text) else { throw Failure("no screenshot data") }
            return data
        }

        /// Console errors, uncaught exceptions and Content-Security-Policy violations seen so far.
        public var problems: [String] {
            let log = browser.received("Log.entryAdded", session: session).compactMap { p -> String? in
                let entry = p["entry"] ?? .null
                guard entry["level"]?.stringValue == "error" else { return nil }
                return "\(entry["source"]?.stringValue ?? "?"): \(entry["text"]?.stringValue ?? "")"
            }
            let thrown = browser.received("Runtime.exceptionThrown", session: session).map {
                "exception: " + ($0["exceptionDetails"]?["exception"]?["description"]?.stringValue ?? $0.canonicalText)
            }
            return log + thrown
        }
    }
}

extension JSONValue {
    /// A number as a Double (integers included).
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}
