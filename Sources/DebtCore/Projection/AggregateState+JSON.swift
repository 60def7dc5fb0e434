extension AggregateState {
    /// The aggregate as shown to operators; the same field names as the projection rows.
    public var json: JSONValue {
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        switch self {
        case .contact(let c):
            return .object([
                "id": .string(c.id.description), "user_id": text(c.userID?.description), "name": .string(c.name),
                "username": text(c.username), "phone": text(c.phone), "email": text(c.email), "notes": text(c.notes),
                "comment": text(c.comment), "is_deleted": .bool(c.isDeleted), "version": .integer(c.version),
                "created_at": .string(c.createdAt.description), "updated_at": .string(c.updatedAt.description),
            ])
        case .transaction(let t):
            return .object([
                "id": .string(t.id.description), "user_id": text(t.userID?.description), "contact_id": .string(t.contactID.description),
                "amount": .integer(t.amount), "direction": .string(t.direction.rawValue), "type": .string(t.kind.rawValue),
                "currency": .string(t.currency), "description": text(t.description), "transaction_date": text(t.transactionDate),
                "due_date": text(t.dueDate), "comment": text(t.comment), "contribution": .integer(t.contribution),
                "is_deleted": .bool(t.isDeleted), "version": .integer(t.version), "created_at": .string(t.createdAt.description),
                "updated_at": .string(t.updatedAt.description),
            ])
        }
    }
}
