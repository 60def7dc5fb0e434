/// Projection rows, and the SQL that writes them. A row is its text values in column order: COPY takes
/// them as they are (rebuild, verify), set-based upserts as a JSON record (append path, catch-up), which
/// `jsonb_to_recordset` converts with each column type's input function. The live append path and a
/// rebuild into shadow tables use the same statements with other table names.
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

    /// Upserts contact rows from `source` (a JSON array, `$1` by default); `balance` is left to
    /// `recomputeBalances`.
    public static func upsertContacts(into table: String, from source: String = "$1::jsonb") -> String {
        insertContacts(into: table, from: source) + contactConflict
    }

    public static func upsertTransactions(into table: String, from source: String = "$1::jsonb") -> String {
        insertTransactions(into: table, from: source) + transactionConflict
    }

    /// Inserts contact rows from `source` (a JSON array); `upsertContacts` adds the conflict clause.
    public static func insertContacts(into table: String, from source: String = "$1::jsonb") -> String {
        """
        INSERT INTO \(table) (id, user_id, name, username, phone, email, notes, comment, is_deleted, version,
                              created_at, updated_at, last_position)
        SELECT id, user_id, name, username, phone, email, notes, comment, is_deleted, version,
               created_at, updated_at, last_position
          FROM jsonb_to_recordset(\(source)) AS x(id uuid, user_id uuid, name text, username text, phone text,
               email text, notes text, comment text, is_deleted boolean, version bigint, created_at timestamptz,
               updated_at timestamptz, last_position bigint)
        """
    }

    static let contactConflict = """

        ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name,
               username = EXCLUDED.username, phone = EXCLUDED.phone, email = EXCLUDED.email, notes = EXCLUDED.notes,
               comment = EXCLUDED.comment, is_deleted = EXCLUDED.is_deleted, version = EXCLUDED.version,
               created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
               last_position = EXCLUDED.last_position
        """

    public static func insertTransactions(into table: String, from source: String = "$1::jsonb") -> String {
        """
        INSERT INTO \(table) (id, user_id, contact_id, amount, direction, type, currency, description,
                              transaction_date, due_date, comment, contribution, is_deleted, version, created_at,
                              updated_at, last_position)
        SELECT id, user_id, contact_id, amount, direction, type, currency, description, transaction_date,
               due_date, comment, contribution, is_deleted, version, created_at, updated_at, last_position
          FROM jsonb_to_recordset(\(source)) AS x(id uuid, user_id uuid, contact_id uuid, amount bigint,
               direction text, type text, currency text, description text, transaction_date text, due_date text,
               comment text, contribution bigint, is_deleted boolean, version bigint, created_at timestamptz,
               updated_at timestamptz, last_position bigint)
        """
    }

    static let transactionConflict = """

        ON CONFLICT (id) DO UPDATE SET user_id = EXCLUDED.user_id, contact_id = EXCLUDED.contact_id,
               amount = EXCLUDED.amount, direction = EXCLUDED.direction, type = EXCLUDED.type,
               currency = EXCLUDED.currency, description = EXCLUDED.description,
               transaction_date = EXCLUDED.transaction_date, due_date = EXCLUDED.due_date,
               comment = EXCLUDED.comment, contribution = EXCLUDED.contribution, is_deleted = EXCLUDED.is_deleted,
               version = EXCLUDED.version, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,
               last_position = EXCLUDED.last_position
        """

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
