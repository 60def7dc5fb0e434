/// The one seam between the store and a PostgreSQL driver (libpq in `debtctl`, PostgresNIO in the
/// server), so that the append protocol, migrations and queries are written once.
///
/// Parameters travel as text (or NULL) and the SQL casts them (`$1::uuid`); every selected column is
/// text (the SQL casts with `::text`). That keeps both drivers trivial and their results identical.
public protocol SQLSession: AnyObject {
    /// Runs one statement with parameters `$1…`; returns its rows, each column as text or nil for NULL.
    func query(_ sql: String, _ parameters: [String?]) async throws -> [[String?]]
    /// `query`, for one of the few fixed statements the append path runs over and over (the same text
    /// every time): a session may keep it prepared on its connection, so that PostgreSQL neither parses
    /// nor plans it again on every call. The default runs it as `query` does.
    func queryPrepared(_ sql: String, _ parameters: [String?]) async throws -> [[String?]]
    /// Runs statements without parameters (BEGIN, COMMIT, migration scripts).
    func execute(_ sql: String) async throws
    /// Runs `statements` in order on this session and returns each one's rows. A session may send them
    /// all before the first answer comes back (one wait for the lot instead of one per statement): use
    /// it inside a transaction, where a failed statement makes the ones after it fail (and COMMIT roll
    /// back). Throws the first failure once every statement sent has been answered. The default runs
    /// them one by one and stops at the first failure.
    func pipeline(_ statements: [SQLStatement]) async throws -> [[[String?]]]
    /// Loads `rows` (typed values in `columns` order) into `table` with `COPY … FROM STDIN` (projection
    /// rebuild and verify), in whichever COPY format the driver can send: binary where it can (no
    /// text for PostgreSQL to parse), text otherwise. `table` and `columns` are the program's own
    /// names, never input.
    func copyRows(into table: String, columns: [String], _ rows: CopyRows) async throws
    /// The select list of a cursor that `replayEvents` reads (a replay of the log): by default
    /// `EventRow.replayColumns`, all text.
    var replayColumns: String { get }
    /// Runs `sql`, a FETCH from a cursor over `replayColumns`, and returns its rows as a replay keeps
    /// them (the envelope and the data's known members, `LoggedEvent`). A driver
    /// that can read results in binary uses `EventRow.binaryReplayColumns` (PostgreSQL then formats
    /// no UUID, integer or timestamp as text, and no column becomes a `String` here).
    func replayEvents(_ sql: String) async throws -> [LoggedEvent]
    /// `replayEvents` for reading a cursor page after page: with a `pageSize`, a driver may send the
    /// same FETCH again as soon as a full page (`pageSize` rows) has arrived, so that PostgreSQL
    /// produces the next page while this one is decoded, and answer the next call with it. Call it
    /// again after every full page and run nothing else on the session meanwhile: a driver drops an
    /// answer read ahead when another statement comes first (the way out of a failed replay). Without
    /// a `pageSize` it is `replayEvents`, which is also the default.
    func replayEvents(_ sql: String, readAhead pageSize: Int?) async throws -> [LoggedEvent]
}

extension SQLSession {
    public var replayColumns: String { EventRow.replayColumns }

    public func replayEvents(_ sql: String) async throws -> [LoggedEvent] {
        try await query(sql, []).map(EventRow.decodeReplay)
    }

    public func replayEvents(_ sql: String, readAhead pageSize: Int?) async throws -> [LoggedEvent] {
        try await replayEvents(sql)
    }

    public func queryPrepared(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] { try await query(sql, parameters) }

    public func pipeline(_ statements: [SQLStatement]) async throws -> [[[String?]]] {
        var results: [[[String?]]] = []
        for s in statements { results.append(try await run(s)) }
        return results
    }

    /// One statement of a pipeline, prepared or not as it asks.
    public func run(_ s: SQLStatement) async throws -> [[String?]] {
        s.prepared ? try await queryPrepared(s.sql, s.parameters) : try await query(s.sql, s.parameters)
    }
}

/// A statement with its parameters, for `SQLSession.pipeline`; `prepared` runs it as `queryPrepared`.
public struct SQLStatement: Sendable {
    public let sql: String
    public let parameters: [String?]
    public let prepared: Bool

    public init(_ sql: String, _ parameters: [String?] = [], prepared: Bool = false) {
        self.sql = sql
        self.parameters = parameters
        self.prepared = prepared
    }
}

/// One value of a row for `SQLSession.copyRows`, typed so that a driver can send it in COPY's binary
/// format without going through text.
public enum CopyValue: Sendable, Hashable {
    case null
    case uuid(Identifier)
    case bigint(Int64)
    case boolean(Bool)
    case text(String)
    case timestamptz(Timestamp)

    public init(_ text: String?) { self = text.map { .text($0) } ?? .null }

    /// The value as a parameter's or a JSON record's text (`true`/`false` for a boolean, RFC 3339 for a
    /// time); nil for NULL.
    public var textValue: String? {
        switch self {
        case .null: return nil
        case .uuid(let id): return id.description
        case .bigint(let n): return String(n)
        case .boolean(let b): return b ? "true" : "false"
        case .text(let s): return s
        case .timestamptz(let t): return t.description
        }
    }
}

/// Rows of equal width for `SQLSession.copyRows`, stored flat (no array per row).
public struct CopyRows: Sendable {
    public let width: Int
    public private(set) var values: [CopyValue] = []

    public init(width: Int) { self.width = width }

    public var count: Int { values.count / width }
    public var isEmpty: Bool { values.isEmpty }

    /// Appends one value; a row is `width` consecutive values.
    public mutating func append(_ value: CopyValue) { values.append(value) }

    public mutating func removeAll() { values.removeAll(keepingCapacity: true) }
}

/// COPY's binary format: a signature and header, then each row as a 16-bit field count and each field
/// as a 32-bit length (-1 for NULL) and its bytes in the type's binary form (big-endian integers, a
/// UUID's 16 bytes, text's UTF-8, a timestamptz as microseconds since 2000-01-01 UTC), and a -1 trailer.
public enum CopyBinary {
    /// Microseconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01 (UTC).
    static let postgresEpoch: Int64 = 946_684_800_000_000

    /// The rows' exact size is counted first and every byte is then written in place: appended a few
    /// bytes at a time, encoding was about 7% of `debtctl`'s CPU in a rebuild.
    public static func encode(_ rows: CopyRows) -> [UInt8] {
        let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
        var size = signature.count + 8 + 2  // the signature, flags, header extension; the trailer
        var column = 0
        for value in rows.values {
            if column == 0 { size += 2 }
            column = column + 1 == rows.width ? 0 : column + 1
            switch value {
            case .null: size += 4
            case .uuid: size += 4 + 16
            case .bigint, .timestamptz: size += 4 + 8
            case .boolean: size += 4 + 1
            case .text(let s): size += 4 + s.utf8.count
            }
        }
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let p = UnsafeMutableRawPointer(buffer.baseAddress) else { return }
            var at = 0
            func put<T: FixedWidthInteger>(_ n: T) {
                p.storeBytes(of: n.bigEndian, toByteOffset: at, as: T.self)
                at += MemoryLayout<T>.size
            }
            for b in signature { put(b) }
            put(Int32(0))  // flags
            put(Int32(0))  // header extension length
            var column = 0
            for value in rows.values {
                if column == 0 { put(Int16(truncatingIfNeeded: rows.width)) }
                column = column + 1 == rows.width ? 0 : column + 1
                switch value {
                case .null: put(Int32(-1))
                case .uuid(let id): put(Int32(16)); put(id.high); put(id.low)
                case .bigint(let n): put(Int32(8)); put(n)
                case .boolean(let b): put(Int32(1)); put(UInt8(b ? 1 : 0))
                case .timestamptz(let t): put(Int32(8)); put(t.microseconds &- postgresEpoch)
                case .text(var s):
                    s.withUTF8 { b in
                        put(Int32(b.count))
                        if let base = b.baseAddress { (p + at).copyMemory(from: base, byteCount: b.count) }
                        at += b.count
                    }
                }
            }
            put(Int16(-1))
            precondition(at == size, "COPY rows sized \(size) bytes, written \(at)")
            initialized = at
        }
    }
}

/// COPY's text format (tab-separated, `\N` for NULL, backslash escapes), shared by the drivers.
public enum CopyText {
    /// `rows` in text format: what a driver without binary COPY sends.
    public static func encode(_ rows: CopyRows) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.values.count * 12)
        var column = 0
        for value in rows.values {
            if column > 0 { out.append(9) }
            switch value {
            case .null: out.append(92); out.append(78)  // \N
            case .uuid(let id): id.write(into: &out)
            case .bigint(let n): out.append(contentsOf: String(n).utf8)
            case .boolean(let b): out.append(b ? 116 : 102)  // t, f
            case .timestamptz(let t): out.append(contentsOf: t.description.utf8)
            case .text(let s): escape(s, into: &out)
            }
            column += 1
            if column == rows.width {
                out.append(10)
                column = 0
            }
        }
        return out
    }

    static func escape(_ value: String, into out: inout [UInt8]) {
        // Most values need no escaping: copy them whole.
        guard UTF8Scan.contains(value, where: { $0 == 92 || $0 == 9 || $0 == 10 || $0 == 13 }) else {
            out.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 92: out.append(92); out.append(92)
            case 9: out.append(92); out.append(116)
            case 10: out.append(92); out.append(110)
            case 13: out.append(92); out.append(114)
            default: out.append(byte)
            }
        }
    }

    public static func encode(_ rows: [[String?]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 200)
        for row in rows {
            for (i, value) in row.enumerated() {
                if i > 0 { out.append(9) }
                guard let value else {
                    out.append(92)
                    out.append(78)  // \N
                    continue
                }
                escape(value, into: &out)
            }
            out.append(10)
        }
        return out
    }
}

/// An error reported by PostgreSQL or the driver, with the SQLSTATE when the server sent one.
public struct SQLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The server could not be reached or the connection broke.
        case connection
        /// The server refused the statement (see `sqlState`).
        case statement
        /// Authentication failed or permission was denied.
        case authentication
    }

    public let kind: Kind
    public let sqlState: String?
    public let message: String

    public init(kind: Kind, sqlState: String?, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
}

extension SQLSession {
    /// Runs `body` in one transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try await execute("BEGIN")
        do {
            let result = try await body()
            try await execute("COMMIT")
            return result
        } catch {
            // A broken connection has nothing to roll back (the server ends the transaction with the
            // session), and a statement sent on it may never be answered: PostgresNIO drops a query
            // written after its channel closed without failing it (found by the PostgreSQL restart test).
            if (error as? SQLError)?.kind != .connection { try? await execute("ROLLBACK") }
            throw error
        }
    }

    /// The first column of the first row, or nil.
    public func scalar(_ sql: String, _ parameters: [String?] = []) async throws -> String? {
        try await query(sql, parameters).first?.first ?? nil
    }
}

/// Text forms of values for `SQLSession` parameters.
public enum SQLText {
    /// A PostgreSQL array literal of UUIDs: `{a,b}`.
    public static func uuidArray(_ ids: some Sequence<Identifier>) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(37 * ids.underestimatedCount + 2)
        for id in ids {
            if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
            id.write(into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Microseconds since the epoch of a timestamptz column, as text (exact, session-independent).
    public static func micros(_ column: String) -> String {
        "(extract(epoch from \(column)) * 1000000)::bigint::text"
    }

    /// A `micros(_:)` column read back as an RFC 3339 JSON string; null for NULL.
    public static func timestamp(_ micros: String?) -> JSONValue {
        micros.flatMap { Int64($0) }.map { .string(Timestamp(microseconds: $0).description) } ?? .null
    }
}
