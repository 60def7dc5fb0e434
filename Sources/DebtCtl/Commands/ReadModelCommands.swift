import DebtCore

enum ReadModelCommands {
    static let contactColumns = [
        Column("id", "ID"), Column("owner", "OWNER"), Column("name", "NAME"), Column("phone", "PHONE"),
        Column("balance", "BALANCE", numeric: true), Column("updated_at", "UPDATED"), Column("email", "EMAIL", wide: true),
        Column("username", wide: true), Column("notes", wide: true), Column("is_deleted", "DELETED", wide: true),
        Column("version", "VER", wide: true, numeric: true), Column("user_id", wide: true), Column("created_at", wide: true),
    ]
    static let transactionColumns = [
        Column("id", "ID"), Column("owner", "OWNER"), Column("contact_name", "CONTACT"), Column("direction", "DIR"),
        Column("amount", "AMOUNT", numeric: true), Column("currency", "CUR"), Column("type", "TYPE"),
        Column("description", "DESCRIPTION"), Column("transaction_date", "DATE"), Column("contact_id", wide: true),
        Column("due_date", wide: true), Column("comment", wide: true), Column("contribution", wide: true, numeric: true),
        Column("is_deleted", "DELETED", wide: true), Column("version", "VER", wide: true, numeric: true),
        Column("user_id", wide: true), Column("created_at", wide: true), Column("updated_at", wide: true),
    ]

    static func limit(_ ctx: Context) -> Int? {
        let n = ctx.invocation.integer("limit") ?? 50
        return n == 0 ? nil : Int(n)
    }

    static func emit(_ ctx: Context, _ columns: [Column], _ rows: [JSONValue]) throws {
        let out = try ctx.records(columns)
        if rows.count > 60 { ctx.startPagerIfUseful() }
        try out.begin()
        for r in rows { try out.emit(r) }
        try out.end()
    }

    static func contactsList(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        let inv = ctx.invocation
        let rows = try await b.contacts(
            .init(userID: try await b.resolveUser(inv.string("user")), includeDeleted: inv.flag("deleted"), search: inv.string("search"), limit: limit(ctx)))
        try emit(ctx, contactColumns, rows)
        return ExitStatus.ok
    }

    static func contactsShow(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        guard let id = Identifier(ctx.invocation.positionals[0]) else { throw CLIError.usage("CONTACT_ID must be a UUID") }
        guard let c = try await b.contacts(.init(contactID: id, includeDeleted: true)).first else {
            throw StoreError.notFound("contact \(id) does not exist")
        }
        let txs = try await b.transactions(.init(contactID: id, includeDeleted: true), id: nil)
        guard case .object(var o) = c else { return ExitStatus.error }
        o["transactions"] = .array(txs)
        try Describe.write(ctx, record: .object(o), lines: contactColumns.map { ($0.header.capitalized, Describe.cell(c[$0.field])) })
        if ctx.format == .table || ctx.format == .wide {
            try Describe.heading(ctx, "Transactions")
            try emit(ctx, transactionColumns.filter { $0.field != "owner" && $0.field != "contact_name" }, txs)
        }
        return ExitStatus.ok
    }

    static func transactionsList(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        let inv = ctx.invocation
        let rows = try await b.transactions(
            .init(userID: try await b.resolveUser(inv.string("user")), contactID: inv.string("contact").flatMap { Identifier($0) },
                  includeDeleted: inv.flag("deleted"), limit: limit(ctx)), id: nil)
        try emit(ctx, transactionColumns, rows)
        return ExitStatus.ok
    }

    static func transactionsShow(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        guard let id = Identifier(ctx.invocation.positionals[0]) else { throw CLIError.usage("TRANSACTION_ID must be a UUID") }
        guard let t = try await b.transactions(.init(includeDeleted: true), id: id).first else {
            throw StoreError.notFound("transaction \(id) does not exist")
        }
        try Describe.write(ctx, record: t, lines: transactionColumns.map { ($0.header.capitalized, Describe.cell(t[$0.field])) })
        return ExitStatus.ok
    }

    /// `balances`: each live contact's balance; on a table, each user's total after it.
    static func balances(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        let user = try await b.resolveUser(ctx.invocation.string("user"))
        let rows = try await b.contacts(.init(userID: user, limit: limit(ctx)))
        try emit(ctx, [Column("owner", "OWNER"), Column("id", "CONTACT"), Column("name", "NAME"), Column("balance", "BALANCE", numeric: true), Column("user_id", wide: true)], rows)
        if ctx.format == .table || ctx.format == .wide {
            try Describe.heading(ctx, "Totals (positive: owed to the user)")
            try emit(ctx, [Column("username", "USER"), Column("contacts", "CONTACTS", numeric: true), Column("total", "TOTAL", numeric: true)], try await b.totals(userID: user))
        }
        return ExitStatus.ok
    }

    static let userColumns = [
        Column("id", "ID"), Column("username", "USERNAME"), Column("email", "EMAIL"), Column("is_admin", "ADMIN"),
        Column("events", "EVENTS", numeric: true), Column("contacts", "CONTACTS", numeric: true), Column("total", "TOTAL", numeric: true),
        Column("created_at", "CREATED"), Column("deleted_at", "DELETED", wide: true),
    ]

    static func usersList(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        var rows = try await withTotals(b, try await b.users(id: nil))
        if let n = limit(ctx) { rows = Array(rows.prefix(n)) }
        try emit(ctx, userColumns, rows)
        return ExitStatus.ok
    }

    static func usersShow(_ ctx: Context) async throws -> Int32 {
        let b = try ctx.backend()
        guard let id = try await b.resolveUser(ctx.invocation.positionals[0]), let u = try await withTotals(b, try await b.users(id: id)).first else {
            throw StoreError.notFound("no user '\(ctx.invocation.positionals[0])'")
        }
        try Describe.write(ctx, record: u, lines: userColumns.map { ($0.header.capitalized, Describe.cell(u[$0.field])) })
        return ExitStatus.ok
    }

    static func withTotals(_ b: any Backend, _ users: [JSONValue]) async throws -> [JSONValue] {
        var totals: [String: JSONValue] = [:]
        for t in try await b.totals(userID: nil) { if let id = t["user_id"]?.stringValue { totals[id] = t } }
        return users.map { u in
            guard case .object(var o) = u, let id = u["id"]?.stringValue else { return u }
            o["contacts"] = totals[id]?["contacts"] ?? .integer(0)
            o["total"] = totals[id]?["total"] ?? .integer(0)
            return .object(o)
        }
    }
}

extension String {
    /// "CONTACT_NAME" → "Contact name" for description keys.
    var capitalized: String {
        let lower = self.lowercased().split(separator: "_").joined(separator: " ")
        return lower.prefix(1).uppercased() + lower.dropFirst()
    }
}
