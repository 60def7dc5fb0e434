import DebtCore
import LibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Server mode: the admin API over libcurl, with an admin token. The token travels only in the
/// Authorization header and is never printed.
final class ServerBackend: Backend {
    let baseURL: String
    private let token: String?
    private let client: CurlClient
    private var names: [Identifier: String]?

    init(url: String, token: String?) throws {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        baseURL = base
        self.token = token
        client = try CurlClient()
    }

    var endpoint: String { "server \(baseURL)" }

    /// One request; maps the contract's statuses to debtctl's errors (and exit statuses).
    func call(_ method: String, _ path: String, body: JSONValue? = nil, timeout: Int = 0) throws -> JSONValue {
        var headers = ["Accept: application/json"]
        if let token { headers.append("Authorization: Bearer \(token)") }
        if body != nil { headers.append("Content-Type: application/json") }
        let response: (status: Int, body: [UInt8])
        do {
            response = try client.send(method: method, url: baseURL + path, headers: headers, body: body.map { Array($0.canonicalText.utf8) }, timeoutSeconds: timeout)
        } catch let failure as CurlClient.Failure {
            if failure.interrupted { throw CLIError.interrupted }
            throw CLIError.unavailable("cannot reach \(baseURL): \(failure)")
        }
        let json = (try? JSONValue(parsing: response.body)) ?? .null
        let message = json["error"]?.stringValue ?? "HTTP \(response.status)"
        switch response.status {
        case 200..<300: return json
        case 401: throw CLIError.permission("\(baseURL) refused the token: \(message) (run 'debtctl login' or set DEBTCTL_TOKEN)")
        case 403: throw CLIError.permission("\(baseURL): \(message) (an admin token is needed)")
        case 404: throw StoreError.notFound(message)
        case 409, 410, 422: throw CLIError.conflict(message)
        case 429: throw CLIError.unavailable("\(baseURL) is rate limiting: \(message)")
        case 503: throw CLIError.unavailable("\(baseURL): \(message)")
        case 400..<500: throw CLIError.failure("\(baseURL) refused the request: \(message)")
        default: throw CLIError.failure("\(baseURL) failed: \(message) (HTTP \(response.status))")
        }
    }

    static func query(_ items: [(String, String?)]) -> String {
        let parts = items.compactMap { k, v in v.map { "\(k)=\(percentEncoded($0))" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static func percentEncoded(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    func usernames(fresh: Bool) throws -> [Identifier: String] {
        if let names, !fresh { return names }
        var map: [Identifier: String] = [:]
        for u in try call("GET", "/api/admin/users").arrayValue ?? [] {
            if let id = u["id"]?.stringValue.flatMap({ Identifier($0) }), let n = u["username"]?.stringValue { map[id] = n }
        }
        names = map
        return map
    }

    func resolveUser(_ nameOrID: String?) async throws -> Identifier? {
        guard let nameOrID else { return nil }
        if let id = Identifier(nameOrID) { return id }
        guard let id = try await usernames().first(where: { $0.value == nameOrID })?.key else { throw CLIError.usage("no user '\(nameOrID)'") }
        return id
    }

    /// libcurl keeps the connection and reconnects by itself.
    func keepAlive() throws -> Bool {
        names = nil
        return false
    }

    /// Pages through `/api/admin/events` by position, so a large result never sits in memory.
    func eachEvent(_ query: EventQuery, _ body: (Event) throws -> Void) throws {
        var remaining = query.limit
        var after = query.afterPosition
        var before = query.beforePosition
        while remaining != 0 {
            let page = min(remaining ?? 1000, 1000)
            let types = query.types.map { ($0.aggregate.map { $0.rawValue.uppercased() + "_" } ?? "") + $0.type.rawValue }.joined(separator: ",")
            let path = "/api/admin/events" + Self.query([
                ("event_type", types.isEmpty ? nil : types), ("aggregate_type", query.aggregateType?.rawValue),
                ("aggregate_id", query.aggregateID?.description), ("user_id", query.userID?.description), ("search", query.search),
                ("date_from", query.recordedFrom?.description), ("date_to", query.recordedUntil?.description),
                ("after", query.newestFirst ? nil : String(after ?? 0)), ("before", before.map(String.init)), ("limit", String(page)),
            ])
            // The API lists newest first without `after` and oldest first with it: the order asked for.
            let rows = try call("GET", path).arrayValue ?? []
            for r in rows {
                let event: Event
                do throws(ValidationError) { event = try Event(adminJSON: r) } catch { throw CLIError.failure("unreadable event from the server: \(error)") }
                if Interrupts.pending { throw CLIError.interrupted }
                try body(event)
            }
            if let r = remaining { remaining = r - rows.count }
            guard rows.count == page, let last = rows.last?["position"]?.integerValue else { break }
            if query.newestFirst { before = last } else { after = last }
        }
    }

    func eachNamedEvent(_ query: EventQuery, _ body: (Event, String) throws -> Void) throws {
        let names = try usernames(fresh: false)
        try eachEvent(query) { e in try body(e, e.userID.flatMap { names[$0] } ?? "") }
    }

    func eventDetail(_ id: Identifier) async throws -> (event: Event, undoneBy: [Identifier]) {
        let json = try call("GET", "/api/admin/events/\(id)")
        do throws(ValidationError) {
            let e = try Event(adminJSON: json)
            return (e, (json["undone_by"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { Identifier($0) } })
        } catch {
            throw CLIError.failure("unreadable event from the server: \(error)")
        }
    }

    func stream(_ id: StreamID) async throws -> StreamReplay<Event> {
        let json = try call("GET", "/api/admin/streams/\(id)")
        var events: [Event] = []
        for e in json["events"]?.arrayValue ?? [] {
            do throws(ValidationError) { events.append(try Event(adminJSON: e)) } catch { throw CLIError.failure("unreadable event: \(error)") }
        }
        return StreamReplay(events)
    }

    func contacts(_ f: EventStore.ListFilter) async throws -> [JSONValue] {
        var rows = try call("GET", "/api/admin/contacts" + Self.query([
            ("user_id", f.userID?.description), ("include_deleted", f.includeDeleted ? "true" : nil), ("limit", String(f.limit ?? 10_000)),
        ])).arrayValue ?? []
        if let c = f.contactID { rows = rows.filter { $0["id"]?.stringValue == c.description } }
        if let s = f.search?.lowercased(), !s.isEmpty {
            rows = rows.filter { r in ["name", "phone", "email"].contains { r[$0]?.stringValue?.lowercased().contains(s) == true } }
        }
        return rows
    }

    func transactions(_ f: EventStore.ListFilter, id: Identifier?) async throws -> [JSONValue] {
        var rows = try call("GET", "/api/admin/transactions" + Self.query([
            ("user_id", f.userID?.description), ("include_deleted", f.includeDeleted || id != nil ? "true" : nil), ("limit", String(f.limit ?? 10_000)),
        ])).arrayValue ?? []
        if let c = f.contactID { rows = rows.filter { $0["contact_id"]?.stringValue == c.description } }
        if let id { rows = rows.filter { $0["id"]?.stringValue == id.description } }
        return rows
    }

    func totals(userID: Identifier?) async throws -> [JSONValue] {
        let rows = try call("GET", "/api/admin/total-debt")["users"]?.arrayValue ?? []
        return userID.map { u in rows.filter { $0["user_id"]?.stringValue == u.description } } ?? rows
    }

    func users(id: Identifier?) async throws -> [JSONValue] {
        let rows = try call("GET", "/api/admin/users").arrayValue ?? []
        return id.map { u in rows.filter { $0["id"]?.stringValue == u.description } } ?? rows
    }

    func projectionStatus() async throws -> [JSONValue] { try call("GET", "/api/admin/projections/status")["projections"]?.arrayValue ?? [] }

    func headPosition() async throws -> Int64 { try call("GET", "/api/admin/events/latest")["latest_event_id"]?.integerValue ?? 0 }

    func rebuildRunning() async throws -> Bool {
        try await projectionStatus().contains { $0["rebuild_running"] == .bool(true) }
    }

    func rebuild(progress: @escaping (Int64, Int64) -> Void) async throws -> JSONValue {
        try call("POST", "/api/admin/projections/rebuild")
    }

    func verify(progress: @escaping (Int64, Int64) -> Void) async throws -> (head: Int64, replayed: Int64, drifts: [JSONValue]) {
        let r = try call("POST", "/api/admin/projections/verify")
        return (r["head"]?.integerValue ?? 0, r["events_replayed"]?.integerValue ?? 0, r["drifts"]?.arrayValue ?? [])
    }

    func undo(_ id: Identifier, reason: String?, actor: String, dryRun: Bool) async throws -> (plan: JSONValue, appendedAt: Int64?) {
        let r = try call("DELETE", "/api/admin/events/\(id)" + Self.query([("dry_run", dryRun ? "true" : nil), ("reason", reason)]))
        return (r, r["position"]?.integerValue)
    }

    func health() async throws -> [JSONValue] {
        var checks: [JSONValue] = []
        let ready: JSONValue
        do {
            ready = try call("GET", "/health/ready", timeout: 10)
        } catch let e as CLIError {
            if case .unavailable(let m) = e { return [HealthCheck.make("server", false, m)] }
            throw e
        }
        checks.append(HealthCheck.make("server", true, "\(baseURL) ready"))
        let version = ready["schema_version"]?.integerValue ?? 0
        checks.append(HealthCheck.make("schema", version == Int64(Schema.latestVersion), "version \(version) of \(Schema.latestVersion)"))
        checks += HealthCheck.projections(try await projectionStatus())
        return checks
    }

    /// A long-poll: the server answers when an event after `position` is appended, or after `timeout`.
    func waitForEvents(after position: Int64, timeout: Double) async throws {
        let seconds = max(1, min(60, Int(timeout)))
        _ = try call("GET", "/api/admin/events?after=\(position)&limit=1&wait=\(seconds)", timeout: seconds + 15)
    }

    /// Logs in as an admin and returns the token (`debtctl login`).
    func adminLogin(username: String, password: String) throws -> String {
        let r = try call("POST", "/api/auth/admin/login", body: ["username": .string(username), "password": .string(password)])
        guard let token = r["token"]?.stringValue else { throw CLIError.failure("\(baseURL) answered the login without a token") }
        return token
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
