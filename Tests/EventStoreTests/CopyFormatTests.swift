import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("COPY of typed rows, binary and text")
struct CopyFormatTests {
    /// Values that each format has to get exactly right: escapes, NULL and "\N" as text, empty text,
    /// non-ASCII, integer extremes, times before and after PostgreSQL's epoch (2000-01-01), both
    /// booleans.
    static let rows: [[CopyValue]] = [
        [
            .uuid(Identifier("0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718")!), .text("tab\there, line\nbreak, cr\r, back\\slash"),
            .null, .bigint(.min), .boolean(true), .timestamptz(Timestamp(rfc3339: "1969-12-31T23:59:59.5Z")!),
        ],
        [
            .uuid(Identifier(high: 0, low: 0)), .text("\\N"), .text(""), .bigint(.max), .boolean(false),
            .timestamptz(Timestamp(rfc3339: "2000-01-01T00:00:00Z")!),
        ],
        [
            .uuid(Identifier(high: .max, low: .max)), .text("Ünïcødé 💸 \"quoted\" {json:1}, NULL"), .text("x"), .bigint(-1),
            .boolean(true), .timestamptz(Timestamp(rfc3339: "2026-11-23T10:52:33.123456Z")!),
        ],
    ]

    /// What the rows should read back as, each column as PostgreSQL prints it.
    static let expected: [[String?]] = [
        ["0b7e5c1a-3f2d-4c8e-a1b2-c3d4e5f60718", "tab\there, line\nbreak, cr\r, back\\slash", nil, String(Int64.min), "true",
         "-500000"],
        ["00000000-0000-0000-0000-000000000000", "\\N", "", String(Int64.max), "false", "946684800000000"],
        ["ffffffff-ffff-ffff-ffff-ffffffffffff", "Ünïcødé 💸 \"quoted\" {json:1}, NULL", "x", "-1", "true", "1795431153123456"],
    ]

    func load(_ encode: (CopyRows) -> [UInt8], format: String) async throws -> [[String?]] {
        let db = try PQConnection(try await TestDatabase.create())
        try db.executeSync("CREATE TABLE typed (id uuid, a text, b text, n bigint, flag boolean, at timestamptz)")
        var rows = CopyRows(width: 6)
        for row in Self.rows { for value in row { rows.append(value) } }
        #expect(rows.count == 3)
        var sent = false
        let copied = try db.copyIn("COPY typed (id, a, b, n, flag, at) FROM STDIN (FORMAT \(format))") {
            defer { sent = true }
            return sent ? nil : encode(rows)
        }
        #expect(copied == 3)
        return try db.querySync(
            "SELECT id::text, a, b, n::text, flag::text, \(SQLText.micros("at")) FROM typed ORDER BY n = \(Int64.min) DESC, n = \(Int64.max) DESC", [])
    }

    @Test("binary format (libpq) loads every value exactly")
    func binary() async throws {
        #expect(try await load(CopyBinary.encode, format: "binary") == Self.expected)
    }

    @Test("text format (PostgresNIO) loads the same values exactly")
    func text() async throws {
        #expect(try await load(CopyText.encode, format: "text") == Self.expected)
    }

    @Test("PQConnection.copyRows sends binary into the named columns")
    func copyRows() async throws {
        let db = try PQConnection(try await TestDatabase.create())
        try db.executeSync("CREATE TABLE typed (id uuid, a text, b text, n bigint, flag boolean, at timestamptz, untouched text DEFAULT 'd')")
        var rows = CopyRows(width: 6)
        for row in Self.rows { for value in row { rows.append(value) } }
        try await db.copyRows(into: "typed", columns: ["id", "a", "b", "n", "flag", "at"], rows)
        let back = try db.querySync(
            "SELECT id::text, a, b, n::text, flag::text, \(SQLText.micros("at")), untouched FROM typed ORDER BY n = \(Int64.min) DESC, n = \(Int64.max) DESC", [])
        #expect(back == Self.expected.map { $0 + ["d"] })
    }
}
