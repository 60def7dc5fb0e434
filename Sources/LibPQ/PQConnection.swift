#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif
internal import CLibPQ
public import DebtCore

/// One libpq connection, owned by this object and closed in `deinit`.
///
/// `conninfo` is anything libpq accepts: a URL, `key=value` pairs, `service=name`, or empty to use the
/// `PG*` environment variables and defaults. Every error carries libpq's message and the SQLSTATE.
public final class PQConnection: SQLSession {
    private let wire: Wire
    /// libpq's handle, for what sends nothing: status, messages, and the answer to what `wire` sent.
    private var handle: OpaquePointer { wire.handle }
    /// This connection's cancel handle while it is the one Ctrl-C cancels (see `Interrupts`).
    private var cancelHandle: OpaquePointer?

    /// `applicationName` is libpq's `fallback_application_name`: what `pg_stat_activity` shows unless
    /// the conninfo or `PGAPPNAME` names the application (set with the connection, no round trip).
    public init(_ conninfo: String, applicationName: String? = nil) throws(SQLError) {
        guard clibpq_available() != 0 else {
            let reason = clibpq_load_error().map { String(cString: $0) } ?? "not found"
            throw SQLError(kind: .connection, sqlState: nil, message: "libpq could not be loaded (\(reason)); install libpq5")
        }
        let connected = applicationName.map { dl_PQconnectdbNamed(conninfo, $0) } ?? dl_PQconnectdb(conninfo)
        guard let h = connected else {
            throw SQLError(kind: .connection, sqlState: nil, message: "out of memory creating a connection")
        }
        guard dl_PQstatus(h) == CONNECTION_OK else {
            let message = PQConnection.message(dl_PQerrorMessage(h))
            dl_PQfinish(h)
            let auth = message.contains("password authentication failed") || message.contains("no password supplied")
            throw SQLError(kind: auth ? .authentication : .connection, sqlState: nil, message: message)
        }
        wire = Wire(h)
        dl_PQsetNoticeProcessor(h, { _, _ in }, nil)
    }

    deinit {
        disarmCancellation()
        dl_PQfinish(handle)
    }

    /// Makes this connection the one whose running statement a SIGINT cancels.
    public func armCancellation() {
        disarmCancellation()
        guard let c = dl_PQgetCancel(handle) else { return }
        cancelHandle = c
        Interrupts.arm(c)
    }

    public func disarmCancellation() {
        guard let c = cancelHandle else { return }
        if Interrupts.armed == c { Interrupts.arm(nil) }
        dl_PQfreeCancel(c)
        cancelHandle = nil
    }

    /// Notices a connection the server has closed (restart, idle timeout, pg_terminate_backend), with
    /// one empty-query round trip, and reconnects it with the same parameters. Returns true when it had to
    /// reconnect (session state such as LISTEN and SET is then gone); throws when it cannot.
    public func reconnectIfDropped() throws(SQLError) -> Bool {
        if dl_PQstatus(handle) == CONNECTION_OK {
            let fd = dl_PQsocket(handle)
            // Readable while idle: the server said something (a NOTIFY, or a FATAL message and then end
            // of file when it closed the session). libpq notices the end of file on a later read.
            var reads = 0
            while fd >= 0, reads < 8, dl_PQstatus(handle) == CONNECTION_OK, waitReadable(fd: fd, timeout: 0) {
                if !wire.consumeInput() { break }
                reads += 1
            }
            // The server may have ended the session an instant ago without its goodbye having arrived:
            // an empty query (one round trip) settles it.
            if dl_PQstatus(handle) == CONNECTION_OK, let r = wire.exec("") {
                let fine = dl_PQresultStatus(r) == PGRES_EMPTY_QUERY
                dl_PQclear(r)
                if fine { return false }
            }
        }
        let armed = cancelHandle != nil
        disarmCancellation()
        wire.reset()
        guard dl_PQstatus(handle) == CONNECTION_OK else { throw connectionError() }
        if armed { armCancellation() }
        return true
    }

    /// Where this connection went: `host:port/database as user` (never the password).
    public var endpoint: String {
        let host = dl_PQhost(handle).map { String(cString: $0) } ?? "?"
        let port = dl_PQport(handle).map { String(cString: $0) } ?? "?"
        let db = dl_PQdb(handle).map { String(cString: $0) } ?? "?"
        let user = dl_PQuser(handle).map { String(cString: $0) } ?? "?"
        return "\(host):\(port)/\(db) as \(user)"
    }

    public var isAlive: Bool { dl_PQstatus(handle) == CONNECTION_OK }

    /// The server's version number (150018 for 15.18).
    public var serverVersion: Int { Int(dl_PQserverVersion(handle)) }

    public func query(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] {
        try querySync(sql, parameters)
    }

    public func execute(_ sql: String) async throws {
        try executeSync(sql)
    }

    /// `query` without suspension, for callers that are not async.
    public func querySync(_ sql: String, _ parameters: [String?]) throws(SQLError) -> [[String?]] {
        let result = try run(sql, parameters)
        defer { dl_PQclear(result) }
        return rows(of: result)
    }

    public func executeSync(_ sql: String) throws(SQLError) {
        guard let r = wire.exec(sql) else { throw connectionError() }
        defer { dl_PQclear(r) }
        try check(r)
    }

    /// Runs `sql` and hands each row to `body` as it arrives (libpq's single-row mode), so that a
    /// result of any size never sits in memory. `body` returns false to stop early; the rest of the
    /// result is then read and dropped.
    public func stream(_ sql: String, _ parameters: [String?], _ body: ([String?]) throws -> Bool) throws {
        try withParameters(parameters) { (values: UnsafePointer<UnsafePointer<CChar>?>?, count: Int32) throws(SQLError) in
            guard wire.send(sql, count, values, resultFormat: 0) else { throw connectionError() }
        }
        guard dl_PQsetSingleRowMode(handle) == 1 else { throw connectionError() }
        var wanted = true
        var failure: (any Error)?
        while let r = dl_PQgetResult(handle) {
            defer { dl_PQclear(r) }
            switch dl_PQresultStatus(r) {
            case PGRES_SINGLE_TUPLE:
                guard wanted, failure == nil else { continue }
                do { wanted = try body(rows(of: r)[0]) } catch { failure = error }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                continue
            default:
                if failure == nil { failure = resultError(r) }
            }
        }
        if let failure { throw failure }
    }

    /// `SQLSession.replayColumns`: the stored columns, read in binary by `replayEvents`.
    public var replayColumns: String { EventRow.binaryReplayColumns }

    /// `SQLSession.replayEvents`: the result in binary format, each event decoded from the result's
    /// own bytes. At 1,000,000 events the text form cost PostgreSQL its output conversions and this
    /// process eleven `String`s per event.
    public func replayEvents(_ sql: String) async throws -> [LoggedEvent] {
        try replayPage(sql, readAhead: nil)
    }

    /// `SQLSession.replayEvents(_:readAhead:)`: when the answer is a full page, the same FETCH goes out
    /// again before this page is decoded, and the next call with it takes that answer. With one FETCH
    /// at a time, PostgreSQL stood idle while each page was decoded here, and this process while the
    /// next was produced. Any other statement on this connection first reads and drops an answer still
    /// outstanding (a replay that failed midway and is being rolled back).
    public func replayEvents(_ sql: String, readAhead pageSize: Int?) async throws -> [LoggedEvent] {
        try replayPage(sql, readAhead: pageSize)
    }

    private func replayPage(_ sql: String, readAhead pageSize: Int?) throws -> [LoggedEvent] {
        let result: OpaquePointer
        if wire.claimReadAhead(sql) {
            result = try answer()
        } else {
            guard let r = wire.exec(sql, 0, nil, resultFormat: 1) else { throw connectionError() }
            result = r
        }
        defer { dl_PQclear(result) }
        try check(result)
        if let pageSize, dl_PQntuples(result) == pageSize {
            guard wire.sendReadAhead(sql) else { throw connectionError() }
        }
        let types = EventRow.binaryReplayTypes
        let fields = dl_PQnfields(result)
        guard Int(fields) == types.count, (0..<fields).allSatisfy({ dl_PQftype(result, $0) == types[Int($0)] }) else {
            throw SQLError(kind: .statement, sqlState: nil, message: "a replay read returned other columns than EventRow.binaryReplayColumns")
        }
        let count = dl_PQntuples(result)
        var events: [LoggedEvent] = []
        events.reserveCapacity(Int(count))
        for row in 0..<count {
            events.append(try EventRow.decodeBinary { column in
                let c = Int32(column)
                guard dl_PQgetisnull(result, row, c) == 0, let value = dl_PQgetvalue(result, row, c) else { return nil }
                return UnsafeRawBufferPointer(start: value, count: Int(dl_PQgetlength(result, row, c)))
            })
        }
        return events
    }

    /// `SQLSession.copyRows`: COPY in binary format (PostgreSQL parses no text: at 1,000,000 events a
    /// rebuild's COPYs took 2.9 s in text format).
    public func copyRows(into table: String, columns: [String], _ rows: CopyRows) async throws {
        var sent = false
        _ = try copyIn("COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)") {
            guard !sent else { return nil }
            sent = true
            return CopyBinary.encode(rows)
        }
    }

    /// Runs a `COPY … FROM STDIN` statement and sends the data `next` produces (in the statement's
    /// format, one chunk a call, nil at the end); returns the number of rows copied.
    public func copyIn(_ sql: String, _ next: () throws -> [UInt8]?) throws -> Int64 {
        guard let started = wire.exec(sql) else { throw connectionError() }
        guard dl_PQresultStatus(started) == PGRES_COPY_IN else {
            defer { dl_PQclear(started) }
            throw resultError(started)
        }
        dl_PQclear(started)
        var failure: (any Error)?
        do {
            while let chunk = try next() {
                let sent = chunk.withUnsafeBufferPointer { b in
                    b.baseAddress.map { base in base.withMemoryRebound(to: CChar.self, capacity: b.count) { dl_PQputCopyData(handle, $0, Int32(b.count)) } } ?? 1
                }
                guard sent == 1 else { throw connectionError() }
            }
        } catch {
            failure = error
        }
        guard dl_PQputCopyEnd(handle, failure == nil ? nil : "aborted by the client") == 1 else { throw connectionError() }
        var rows: Int64 = 0
        while let r = dl_PQgetResult(handle) {
            defer { dl_PQclear(r) }
            if dl_PQresultStatus(r) == PGRES_COMMAND_OK {
                rows = Int64(String(cString: dl_PQcmdTuples(r))) ?? 0
            } else if failure == nil {
                failure = resultError(r)
            }
        }
        if let failure { throw failure }
        return rows
    }

    /// Waits up to `timeout` seconds for NOTIFY messages and returns (channel, payload) pairs.
    public func notifications(timeout: Double) throws(SQLError) -> [(channel: String, payload: String)] {
        var out: [(String, String)] = []
        func drain() throws(SQLError) {
            guard wire.consumeInput() else { throw connectionError() }
            while let n = dl_PQnotifies(handle) {
                out.append((String(cString: n.pointee.relname), String(cString: n.pointee.extra)))
                dl_PQfreemem(n)
            }
        }
        try drain()
        if !out.isEmpty { return out }
        let fd = dl_PQsocket(handle)
        guard fd >= 0 else { throw connectionError() }
        if waitReadable(fd: fd, timeout: timeout) { try drain() }
        return out
    }

    // MARK: - Internals

    /// The answer to the statement sent last, once it is complete: its failure if it failed, else its
    /// last result (a FETCH has one).
    private func answer() throws(SQLError) -> OpaquePointer {
        var kept: OpaquePointer?
        while let r = dl_PQgetResult(handle) {
            if let k = kept, dl_PQresultStatus(k) == PGRES_FATAL_ERROR {
                dl_PQclear(r)
            } else {
                if let k = kept { dl_PQclear(k) }
                kept = r
            }
        }
        guard let kept else { throw connectionError() }
        return kept
    }

    private func run(_ sql: String, _ parameters: [String?]) throws(SQLError) -> OpaquePointer {
        let result = try withParameters(parameters) { (values: UnsafePointer<UnsafePointer<CChar>?>?, count: Int32) throws(SQLError) -> OpaquePointer in
            guard let r = wire.exec(sql, count, values, resultFormat: 0) else { throw connectionError() }
            return r
        }
        do throws(SQLError) {
            try check(result)
        } catch {
            dl_PQclear(result)
            throw error
        }
        return result
    }

    private func withParameters<T>(
        _ parameters: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, Int32) throws(SQLError) -> T
    ) throws(SQLError) -> T {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for c in copies { free(c) } }
        let values = copies.map { UnsafePointer($0) }
        return try values.withUnsafeBufferPointer { (buffer) throws(SQLError) -> T in
            try body(buffer.baseAddress, Int32(parameters.count))
        }
    }

    private func rows(of result: OpaquePointer) -> [[String?]] {
        let n = dl_PQntuples(result)
        let m = dl_PQnfields(result)
        var out: [[String?]] = []
        out.reserveCapacity(Int(n))
        for i in 0..<n {
            var row: [String?] = []
            row.reserveCapacity(Int(m))
            for j in 0..<m {
                if dl_PQgetisnull(result, i, j) == 1 { row.append(nil); continue }
                row.append(String(cString: dl_PQgetvalue(result, i, j)))
            }
            out.append(row)
        }
        return out
    }

    private func check(_ result: OpaquePointer) throws(SQLError) {
        switch dl_PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE, PGRES_EMPTY_QUERY: return
        default: throw resultError(result)
        }
    }

    private func resultError(_ result: OpaquePointer) -> SQLError {
        let state = dl_PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let primary = dl_PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
        let message = primary ?? PQConnection.message(dl_PQresultErrorMessage(result))
        if dl_PQstatus(handle) != CONNECTION_OK { return SQLError(kind: .connection, sqlState: state, message: message) }
        let auth = state == "42501" || state?.hasPrefix("28") == true
        return SQLError(kind: auth ? .authentication : .statement, sqlState: state, message: message)
    }

    private func connectionError() -> SQLError {
        SQLError(kind: .connection, sqlState: nil, message: PQConnection.message(dl_PQerrorMessage(handle)))
    }

    static func message(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "unknown libpq error" }
        var s = String(cString: p)
        while s.last?.isWhitespace == true { s.removeLast() }
        return s.isEmpty ? "unknown libpq error" : s
    }
}

/// What goes out on a connection. Its functions are the only way this file begins anything on it (a
/// statement, a reset, a read of pending input; what continues a statement begun here, such as COPY's
/// data or reading the answer, uses the handle), and each first reads and drops the answer to a
/// read-ahead FETCH nobody took (a replay that failed midway and is being rolled back), so that the
/// connection is idle whatever entry point sends next.
private final class Wire {
    let handle: OpaquePointer
    /// A FETCH that `replayEvents(_:readAhead:)` sent and whose answer nobody has read yet.
    private var readAhead: String?

    init(_ handle: OpaquePointer) { self.handle = handle }

    /// True, and the read-ahead forgotten, when `sql`'s answer is the one outstanding (the caller reads it).
    func claimReadAhead(_ sql: String) -> Bool {
        guard readAhead == sql else { return false }
        readAhead = nil
        return true
    }

    /// `PQexec`: a simple query (one or more statements), waited for.
    func exec(_ sql: String) -> OpaquePointer? {
        settle()
        return dl_PQexec(handle, sql)
    }

    /// `PQexecParams` with text parameters, waited for; `resultFormat` 1 asks for binary results.
    func exec(_ sql: String, _ count: Int32, _ values: UnsafePointer<UnsafePointer<CChar>?>?, resultFormat: Int32) -> OpaquePointer? {
        settle()
        return dl_PQexecParams(handle, sql, count, nil, values, nil, nil, resultFormat)
    }

    /// `PQsendQueryParams`: sent, not waited for (the caller reads the answer with `PQgetResult`).
    func send(_ sql: String, _ count: Int32, _ values: UnsafePointer<UnsafePointer<CChar>?>?, resultFormat: Int32) -> Bool {
        settle()
        return dl_PQsendQueryParams(handle, sql, count, nil, values, nil, nil, resultFormat) == 1
    }

    /// `sql` (a FETCH, binary results) sent ahead of its caller: its answer stays outstanding until a
    /// `claimReadAhead(sql)` takes it, or anything else sent drops it.
    func sendReadAhead(_ sql: String) -> Bool {
        guard send(sql, 0, nil, resultFormat: 1) else { return false }
        readAhead = sql
        return true
    }

    /// `PQconsumeInput`: reads what the server has sent (NOTIFYs, or its goodbye); false on failure.
    func consumeInput() -> Bool {
        settle()
        return dl_PQconsumeInput(handle) == 1
    }

    /// `PQreset`: closes the connection and opens it again with the same parameters.
    func reset() {
        readAhead = nil
        dl_PQreset(handle)
    }

    private func settle() {
        guard readAhead != nil else { return }
        readAhead = nil
        while let r = dl_PQgetResult(handle) { dl_PQclear(r) }
    }
}
