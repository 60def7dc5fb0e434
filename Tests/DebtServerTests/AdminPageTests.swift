import DebtCore
import Foundation
import TestSupport
import Testing

/// The admin panel at /admin in a real headless Chromium, against the real server and PostgreSQL.
/// Screenshots of the main views are written to `DEBT_SCREENSHOT_DIR` when set (scripts/screenshots
/// writes the ones in docs/), otherwise to a temporary directory.
@Suite("Admin page", .serialized)
struct AdminPageTests {
    static let screenshots: String = {
        let dir = ProcessInfo.processInfo.environment["DEBT_SCREENSHOT_DIR"] ?? NSTemporaryDirectory() + "debt-screenshots-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    func save(_ page: HeadlessBrowser.Page, _ name: String) throws {
        let png = try page.screenshot()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
        #expect(png.count > 10_000, "a rendered page, not a blank one")
        try png.write(to: URL(fileURLWithPath: Self.screenshots + "/admin-\(name).png"))
    }

    func signIn(_ page: HeadlessBrowser.Page, _ server: ServerProcess) throws {
        try page.open(server.url + "/admin")
        try page.waitFor("!document.getElementById('login-view').hidden")
        try page.type("#login-username", "root")
        try page.type("#login-password", ServerProcess.adminPassword)
        try page.click("#login-submit")
        try page.waitFor("document.querySelector('#events-table') !== null")
    }

    func rows(_ page: HeadlessBrowser.Page, _ table: String) throws -> [String] {
        try page.evaluate("[...document.querySelectorAll('\(table) tbody tr')].map(r => r.innerText)").arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test("served from the bundled files with a strict Content-Security-Policy; only listed files exist")
    func files() async throws {
        let s = try await ServerProcess.start()
        let page = try await s.request("GET", "/admin")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        let csp = try #require(page.headers["content-security-policy"])
        #expect(csp.contains("script-src 'self'") && csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"))
        #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
        // No inline script, handler attribute or style attribute in the page the CSP protects.
        #expect(page.body.range(of: #"<script(?![^>]*\bsrc=)"#, options: .regularExpression) == nil)
        #expect(page.body.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil)
        #expect(page.body.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil)
        let script = try await s.request("GET", "/admin/admin.js")
        #expect(script.status == 200 && script.headers["content-type"]?.hasPrefix("text/javascript") == true)
        // The page never turns server data into markup.
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            #expect(!script.body.contains(sink), "admin.js uses \(sink)")
        }
        #expect(try await s.request("GET", "/admin/admin.css").headers["content-type"]?.hasPrefix("text/css") == true)
        let etag = try #require(script.headers["etag"])
        #expect(try await s.request("GET", "/admin/admin.js", headers: ["If-None-Match": etag]).status == 304)
        for path in ["/admin/nope.js", "/admin/..%2Fopenapi.json", "/admin/%2e%2e%2f%2e%2e%2fPackage.swift", "/admin/../openapi.json/x", "/admin/admin.js/x"] {
            let r = try await s.request("GET", path)
            #expect(r.status == 404, "\(path): \(r.status)")
            #expect(r.json["error"]?.stringValue != nil, "\(path): \(r.body)")
        }
    }

    @Test("an operator signs in, filters events, opens one, undoes it with a reason, watches the balance, a live event and a rebuild")
    func operatorSession() async throws {
        let s = try await ServerProcess.start()
        let (token, _) = try await s.login("ada")
        let admin = try await s.adminToken()
        let grace = try #require(try await s.request("POST", "/api/contacts", token: token, json: ["name": "Grace"]).json["id"]?.stringValue)
        let lent = try await s.request("POST", "/api/transactions", token: token, json: ["contact_id": .string(grace), "amount": 900, "direction": "lent", "description": "train tickets"])
        #expect(lent.status == 201)
        let payload = #"<img src=x onerror="window.__pwned=1">"#
        #expect(try await s.request("POST", "/api/contacts", token: token, json: ["name": .string(payload)]).status == 201)

        let browser = try HeadlessBrowser()
        let page = try browser.newPage()
        try signIn(page, s)
        // The token lives in this tab's session only: no cookie, nothing in localStorage.
        #expect(try page.evaluate("sessionStorage.getItem('debt-admin-token') !== null") == .bool(true))
        #expect(try page.evaluate("localStorage.length === 0 && document.cookie === ''") == .bool(true))
        try page.waitFor("document.querySelectorAll('#events-table tbody tr').length === 3")
        #expect(try rows(page, "#events-table").first?.hasPrefix("3") == true, "newest first")

        // Event data is text: the payload's characters are shown, no element is made from them.
        #expect(try page.text("#events-table").contains(payload))
        #expect(try page.evaluate("document.querySelectorAll('#view img').length") == .integer(0))
        #expect(try page.evaluate("window.__pwned === undefined") == .bool(true))

        try page.waitFor("document.getElementById('live').dataset.state === 'on'")
        try save(page, "events")

        // Filter by type through the form.
        try page.choose("#f-event_type", value: "TRANSACTION_CREATED")
        try page.click("#apply-filters")
        try page.waitFor("location.hash.includes('event_type=TRANSACTION_CREATED') && document.querySelectorAll('#events-table tbody tr').length === 1")
        #expect(try page.evaluate("document.querySelector('#events-table tbody tr').dataset.type") == "TRANSACTION_CREATED")

        // The balances before the undo.
        try page.click("a[data-view=balances]")
        try page.waitFor("document.querySelector('#contact-balances') !== null")
        #expect(try page.text("#contact-balances").contains("9.00"))
        #expect(try page.text("#total-debt").contains("9.00"))

        // Open the event, see the plan, undo with a reason.
        try page.evaluate("history.back()")
        try page.waitFor("document.querySelectorAll('#events-table tbody tr').length === 1")
        try page.click("#events-table tbody tr a[href^='#/events/']")
        try page.waitFor("document.getElementById('event-type')?.innerText === 'TRANSACTION_CREATED'")
        #expect(try page.text("#event-data").contains("\"amount\": 900"))
        try page.click("#undo-preview")
        try page.waitFor("document.querySelector('#plan-balances tbody tr') !== null")
        let plan = try rows(page, "#plan-balances")
        #expect(plan.count == 1 && plan.first?.hasSuffix("9.00\t0.00") == true, "\(plan)")
        #expect(try page.evaluate("document.getElementById('undo-confirm').disabled") == .bool(true), "no reason yet")
        try page.type("#undo-reason", "entered twice by mistake")
        #expect(try page.evaluate("document.getElementById('undo-confirm').disabled") == .bool(false))
        try save(page, "undo-plan")
        try page.click("#undo-confirm")
        try page.waitFor("document.getElementById('undo-result').dataset.status === 'undone'")

        // Recorded as an UNDO with the admin as actor and the reason; the balance changed.
        let events = try await s.request("GET", "/api/admin/events?event_type=TRANSACTION_UNDO", token: admin).json.arrayValue ?? []
        #expect(events.count == 1)
        #expect(events.first?["metadata"]?["reason"] == "entered twice by mistake" && events.first?["metadata"]?["actor"] == "admin:root")
        try page.click("a[data-view=balances]")
        try page.waitFor("document.querySelector('#contact-balances') !== null")
        #expect(try !page.text("#contact-balances").contains("Grace"), "Grace is settled")
        #expect(try page.text("#total-debt").contains("0.00"))
        try save(page, "balances")

        // A new event arrives live on the events page.
        try page.click("a[data-view=events]")
        try page.waitFor("document.querySelectorAll('#events-table tbody tr').length === 4")
        #expect(try await s.request("POST", "/api/contacts", token: token, json: ["name": "Live Lovelace"]).status == 201)
        try page.waitFor("[...document.querySelectorAll('#events-table tbody tr.new')].some(r => r.innerText.includes('Live Lovelace'))")
        #expect(try rows(page, "#events-table").first?.hasPrefix("5") == true)

        // Stream view: the transaction's history with the undone event marked.
        try page.open(s.url + "/admin#/streams/contact-\(grace)")
        try page.waitFor("document.querySelector('#stream-state') !== null")
        #expect(try page.text("#stream-state").contains("Grace"))

        // A rebuild from the projections page, to the end, then verify.
        try page.click("a[data-view=projections]")
        try page.waitFor("document.querySelector('#projections-table') !== null")
        try page.click("#rebuild")
        try page.click("#rebuild-confirm")
        try page.waitFor("document.getElementById('rebuild-result').dataset.status === 'done'", timeout: 60)
        #expect(try page.text("#rebuild-result").contains("5 events processed"))
        try page.click("#verify")
        try page.waitFor("document.querySelector('#verify-result [data-drifts]')?.dataset.drifts === '0'", timeout: 60)
        try save(page, "projections")

        #expect(page.problems.isEmpty, "console errors or CSP violations: \(page.problems)")

        // Logging out forgets the token.
        try page.click("#logout")
        try page.waitFor("!document.getElementById('login-view').hidden")
        #expect(try page.evaluate("sessionStorage.length") == .integer(0))
    }

    @Test("users: create, login log, reset password, backup download, delete")
    func users() async throws {
        let s = try await ServerProcess.start()
        let downloads = NSTemporaryDirectory() + "debt-downloads-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: downloads) }
        let browser = try HeadlessBrowser(downloads: downloads)
        let page = try browser.newPage()
        try signIn(page, s)
        try page.click("a[data-view=users]")
        try page.type("#new-username", "zoe")
        try page.type("#new-password", "first-password-1")
        try page.click("#create-user-submit")
        try page.waitFor("document.querySelector('#users-table tr[data-user=zoe]') !== null")

        let (token, _) = try await s.login("zoe", password: "first-password-1", create: false)
        #expect(try await s.request("POST", "/api/contacts", token: token, json: ["name": "Backed up"]).status == 201)
        try page.click("#users-table tr[data-user=zoe] a")
        try page.waitFor("document.querySelector('#login-log tbody tr')?.innerText.includes('success')")

        try page.type("#reset-password", "second-password-2")
        try page.click("#reset-submit")
        try page.waitFor("document.getElementById('user-message').innerText.includes('changed')")
        #expect(try await s.request("POST", "/api/auth/login", json: ["username": "zoe", "password": "second-password-2"]).status == 200)
        #expect(try await s.request("POST", "/api/auth/login", json: ["username": "zoe", "password": "first-password-1"]).status == 401)

        try page.click("#backup")
        try page.waitFor("document.getElementById('user-message').innerText.includes('downloaded')")
        var saved: [String] = []
        for _ in 0..<100 where saved.isEmpty {
            saved = (try? FileManager.default.contentsOfDirectory(atPath: downloads))?.filter { $0.hasSuffix(".ndjson") } ?? []
            try await Task.sleep(for: .milliseconds(100))
        }
        let file = try #require(saved.first)
        let lines = try String(contentsOfFile: downloads + "/" + file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.contains("Backed up") == true)
        try save(page, "user")

        try page.click("#delete-user")
        try page.click("#delete-confirm")
        try page.waitFor("document.querySelector('#users-table tr[data-user=zoe]')?.classList.contains('dead')")
        #expect(try await s.request("POST", "/api/auth/login", json: ["username": "zoe", "password": "second-password-2"]).status == 401)
        #expect(page.problems.isEmpty, "\(page.problems)")
    }

    @Test("live updates: the server dies, the page backs off instead of storming, reconnects by itself and catches up")
    func reconnect() async throws {
        let first = try await ServerProcess.start()
        let (token, _) = try await first.login("ada")
        let browser = try HeadlessBrowser()
        let page = try browser.newPage()
        try signIn(page, first)
        try page.waitFor("document.getElementById('live').dataset.state === 'on'")
        let attemptsBefore = try page.evaluate("Number(document.getElementById('live').dataset.attempts)").integerValue ?? 0

        first.process.signal(SIGKILL)
        _ = first.process.wait()
        try page.waitFor("document.getElementById('live').dataset.state === 'waiting'")
        try await Task.sleep(for: .seconds(6))
        // 1 s, 2 s, 4 s (each with jitter down to half): at most four tries in six seconds, not hundreds.
        let attemptsDown = (try page.evaluate("Number(document.getElementById('live').dataset.attempts)").integerValue ?? 0) - attemptsBefore
        #expect(attemptsDown >= 1 && attemptsDown <= 4, "\(attemptsDown) attempts while the server was down")

        let second = try await ServerProcess.start(databaseURL: first.databaseURL, port: first.port)
        #expect(try await second.request("POST", "/api/contacts", token: token, json: ["name": "While away"]).status == 201)
        try page.waitFor("document.getElementById('live').dataset.state === 'on'", timeout: 40)
        try page.waitFor("[...document.querySelectorAll('#events-table tbody tr')].some(r => r.innerText.includes('While away'))")
    }
}
