import DebtCore
import Logging
import PostgresNIO

/// The PostgresNIO driver of the store's `SQLSession` protocol: one leased connection.
final class NIOSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger

    init(_ connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func query(_ sql: String, _ parameters: [String?]) async throws -> [[String?]] {
        // PostgresNIO (1.33.2) loses a query written to a connection whose channel has closed: nothing
        // ever answers it, and the caller would wait forever. Refuse it here instead.
        guard !connection.isClosed else { throw NIOSession.closed }
        var bindings = PostgresBindings(capacity: parameters.count)
        for p in parameters {
            if let p { bindings.append(p) } else { bindings.appendNull() }
        }
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            var out: [[String?]] = []
            for try await row in rows {
                var values: [String?] = []
                for cell in row { values.append(try cell.decode(String?.self)) }
                out.append(values)
            }
            return out
        } catch let error as PSQLError {
            throw NIOSession.translate(error)
        }
    }

    func copyRows(into table: String, columns: [String], _ rows: [[String?]]) async throws {
        guard !connection.isClosed else { throw NIOSession.closed }
        do {
            try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                try await writer.write(ByteBuffer(bytes: CopyText.encode(rows)))
            }
        } catch let error as PSQLError {
            throw NIOSession.translate(error)
        }
    }

    func execute(_ sql: String) async throws {
        for statement in SQLScript.statements(sql) { _ = try await query(statement, []) }
    }

    /// What a statement on a closed connection fails with (see `query`).
    static let closed = SQLError(kind: .connection, sqlState: nil, message: "database connection closed")

    /// PostgresNIO's error as the store's: SQLSTATE and the server's message, never the query text.
    static func translate(_ error: PSQLError) -> SQLError {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "database error"
            let auth = state.hasPrefix("28") || state == "42501"
            // Connection exceptions (08), the server shutting down or starting up (57P01-57P03) and
            // too many connections (53300): the database is unavailable, not the request wrong.
            let unavailable = state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
            return SQLError(kind: auth ? .authentication : unavailable ? .connection : .statement, sqlState: state, message: message)
        }
        return SQLError(kind: .connection, sqlState: nil, message: "database connection failed (\(error.code))")
    }
}
