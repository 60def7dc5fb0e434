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

    /// A contact row in `contactColumns` order, typed: the one place that lists its values, for COPY
    /// (`appendContact`) and as text (`contactValues`).
    static func contactCells(_ c: ContactState, position: Int64) -> [CopyValue] {
        [
            .uuid(c.id), c.userID.map { .uuid($0) } ?? .text(""), .text(c.name), CopyValue(c.username), CopyValue(c.phone),
            CopyValue(c.email), CopyValue(c.notes), CopyValue(c.comment), .boolean(c.isDeleted), .bigint(c.version),
            .timestamptz(c.createdAt), .timestamptz(c.updatedAt), .bigint(position),
        ]
    }

    /// A transaction row in `transactionColumns` order, typed (see `contactCells`).
    static func transactionCells(_ t: TransactionState, position: Int64) -> [CopyValue] {
        [
            .uuid(t.id), t.userID.map { .uuid($0) } ?? .text(""), .uuid(t.contactID), .bigint(t.amount), .text(t.direction.rawValue),
            .text(t.kind.rawValue), .text(t.currency), CopyValue(t.description), CopyValue(t.transactionDate), CopyValue(t.dueDate),
            CopyValue(t.comment), .bigint(t.contribution), .boolean(t.isDeleted), .bigint(t.version), .timestamptz(t.createdAt),
            .timestamptz(t.updatedAt), .bigint(position),
        ]
    }

    /// A contact row as text values in `contactColumns` order.
    public static func contactValues(_ c: ContactState, position: Int64) -> [String?] {
        contactCells(c, position: position).map(\.textValue)
    }

    public static func transactionValues(_ t: TransactionState, position: Int64) -> [String?] {
        transactionCells(t, position: position).map(\.textValue)
    }

    /// The columns of `appendContact`'s rows: `contactColumns` and the balance.
    public static let contactCopyColumns = contactColumns + ["balance"]

    /// Appends a contact row in `contactCopyColumns` order, typed for COPY (rebuild, verify).
    public static func appendContact(_ c: ContactState, position: Int64, balance: Int64, to rows: inout CopyRows) {
        for value in contactCells(c, position: position) { rows.append(value) }
        rows.append(.bigint(balance))
    }

    /// Appends a transaction row in `transactionColumns` order, typed for COPY (rebuild, verify).
    public static func appendTransaction(_ t: TransactionState, position: Int64, to rows: inout CopyRows) {
        for value in transactionCells(t, position: position) { rows.append(value) }
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
