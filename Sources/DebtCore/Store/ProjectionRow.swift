/// Projection rows, and the SQL that writes them. A row is its text values in column order: COPY takes
/// them as they are (rebuild, verify), the append path as one array parameter per column (`unnest`),
/// set-based upserts elsewhere (catch-up) as a JSON record, which `jsonb_to_recordset` converts with each
/// column type's input function. The live tables and a rebuild's shadow tables use the same statements
/// with other table names.
public enum ProjectionRow {
    static func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }

    public static func contact(_ c: ContactState, position: Int64) -> JSONValue {
        record(contactColumns, contactValues(c, position: position))
    }

    public static func transaction(_ t: TransactionState, position: Int64) -> JSONValue {
        record(transactionColumns, transactionValues(t, position: position))
    }

    static func record(_ columns: [String], _ values: [String?]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: zip(columns, values.map(text))))
    }

    /// The columns of a contact row, in the order of `contactValues` (and of `insertContacts`), for COPY.
    public static let contactColumns = [
        "id", "user_id", "name", "username", "phone", "email", "notes", "comment", "is_deleted", "version", "created_at",
        "updated_at", "last_position",
    ]
    public static let transactionColumns = [
        "id", "user_id", "contact_id", "amount", "direction", "type", "currency", "description", "transaction_date",
        "due_date", "comment", "contribution", "is_deleted", "version", "created_at", "updated_at", "last_position",
    ]

    /// A contact row as text values in `contactColumns` order.
    public static func contactValues(_ c: ContactState, position: Int64) -> [String?] {
        [
            c.id.description, c.userID?.description ?? "", c.name, c.username, c.phone, c.email, c.notes, c.comment,
            c.isDeleted ? "true" : "false", String(c.version), c.createdAt.description, c.updatedAt.description, String(position),
        ]
    }

    public static func transactionValues(_ t: TransactionState, position: Int64) -> [String?] {
        [
            t.id.description, t.userID?.description ?? "", t.contactID.description, String(t.amount), t.direction.rawValue,
            t.kind.rawValue, t.currency, t.description, t.transactionDate, t.dueDate, t.comment, String(t.contribution),
            t.isDeleted ? "true" : "false", String(t.version), t.createdAt.description, t.updatedAt.description, String(position),
        ]
    }

    /// The columns of `appendContact`'s rows: `contactColumns` and the balance.
    public static let contactCopyColumns = contactColumns + ["balance"]

    /// Appends a contact row in `contactCopyColumns` order, typed for COPY (rebuild, verify).
    public static func appendContact(_ c: ContactState, position: Int64, balance: Int64, to rows: inout CopyRows) {
        rows.append(.uuid(c.id))
        rows.append(c.userID.map { .uuid($0) } ?? .null)
        rows.append(.text(c.name))
        rows.append(CopyValue(c.username))
        rows.append(CopyValue(c.phone))
        rows.append(CopyValue(c.email))
        rows.append(CopyValue(c.notes))
        rows.append(CopyValue(c.comment))
        rows.append(.boolean(c.isDeleted))
        rows.append(.bigint(c.version))
        rows.append(.timestamptz(c.createdAt))
        rows.append(.timestamptz(c.updatedAt))
        rows.append(.bigint(position))
        rows.append(.bigint(balance))
    }

    /// Appends a transaction row in `transactionColumns` order, typed for COPY (rebuild, verify).
    public static func appendTransaction(_ t: TransactionState, position: Int64, to rows: inout CopyRows) {
        rows.append(.uuid(t.id))
        rows.append(t.userID.map { .uuid($0) } ?? .null)
        rows.append(.uuid(t.contactID))
        rows.append(.bigint(t.amount))
        rows.append(.text(t.direction.rawValue))
        rows.append(.text(t.kind.rawValue))
        rows.append(.text(t.currency))
        rows.append(CopyValue(t.description))
        rows.append(CopyValue(t.transactionDate))
        rows.append(CopyValue(t.dueDate))
        rows.append(CopyValue(t.comment))
        rows.append(.bigint(t.contribution))
        rows.append(.boolean(t.isDeleted))
        rows.append(.bigint(t.version))
        rows.append(.timestamptz(t.createdAt))
        rows.append(.timestamptz(t.updatedAt))
        rows.append(.bigint(position))
    }

    /// The SQL types of `contactColumns` and `transactionColumns`, in the same order.
    static let contactTypes = [
        "uuid", "uuid", "text", "text", "text", "text", "text", "text", "boolean", "bigint", "timestamptz", "timestamptz", "bigint",
    ]
    static let transactionTypes = [
        "uuid", "uuid", "uuid", "bigint", "text", "text", "text", "text", "text", "text", "text", "bigint", "boolean", "bigint",
        "timestamptz", "timestamptz", "bigint",
    ]

    /// Upserts contact rows from `source` (a JSON array, `$1` by default); `balance` is left to
    /// `recomputeBalances`.
    public static func upsertContacts(into table: String, from source: String = "$1::jsonb") -> String {
        insertContacts(into: table, from: source) + conflict(contactColumns)
    }

    public static func upsertTransactions(into table: String, from source: String = "$1::jsonb") -> String {
        insertTransactions(into: table, from: source) + conflict(transactionColumns)
    }

    /// Upserts contact rows given as one array parameter per column, `$first` onwards in
    /// `contactColumns` order (`contactTypes.count` parameters; see `SQLArrayLiteral`).
    static func upsertContacts(into table: String, arraysFrom first: Int) -> String {
        insert(into: table, contactColumns, from: unnest(contactColumns, contactTypes, from: first)) + conflict(contactColumns)
    }

    static func upsertTransactions(into table: String, arraysFrom first: Int) -> String {
        insert(into: table, transactionColumns, from: unnest(transactionColumns, transactionTypes, from: first))
            + conflict(transactionColumns)
    }

    /// Inserts contact rows from `source` (a JSON array); `upsertContacts` adds the conflict clause.
    public static func insertContacts(into table: String, from source: String = "$1::jsonb") -> String {
        insert(into: table, contactColumns, from: recordset(source, contactColumns, contactTypes))
    }

    public static func insertTransactions(into table: String, from source: String = "$1::jsonb") -> String {
        insert(into: table, transactionColumns, from: recordset(source, transactionColumns, transactionTypes))
    }

    static func insert(into table: String, _ columns: [String], from records: String) -> String {
        let list = columns.joined(separator: ", ")
        return "INSERT INTO \(table) (\(list))\nSELECT \(list)\n  FROM \(records)"
    }

    /// A FROM item of the records of a JSON array, converted with each column type's input function.
    static func recordset(_ source: String, _ columns: [String], _ types: [String]) -> String {
        "jsonb_to_recordset(\(source)) AS x(" + zip(columns, types).map { "\($0) \($1)" }.joined(separator: ", ") + ")"
    }

    /// A FROM item of parallel array parameters, one per column, `$first` onwards.
    static func unnest(_ columns: [String], _ types: [String], from first: Int) -> String {
        "unnest(" + types.enumerated().map { "$\(first + $0)::\($1)[]" }.joined(separator: ", ") + ") AS x("
            + columns.joined(separator: ", ") + ")"
    }

    /// Every column but the key takes the new row's value.
    static func conflict(_ columns: [String]) -> String {
        "\n ON CONFLICT (id) DO UPDATE SET " + columns.dropFirst().map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
    }

    /// Sets the balance of the contacts in `$1` (a uuid array) to the sum of their transactions'
    /// contributions; the rule for a contribution is `TransactionState.contribution`, stored per row.
    public static func recomputeBalances(contacts: String, transactions: String) -> String {
        """
        UPDATE \(contacts) c
           SET balance = coalesce((SELECT sum(t.contribution) FROM \(transactions) t WHERE t.contact_id = c.id), 0)
         WHERE c.id = ANY($1::uuid[])
        """
    }
}
