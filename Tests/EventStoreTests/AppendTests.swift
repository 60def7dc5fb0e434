import DebtCore
import LibPQ
import Testing
import TestSupport

@Suite("Append path on a real PostgreSQL")
struct AppendTests {
    @Test("a contact and a transaction update the projections and the balance in the same commit")
    func appendUpdatesProjections() async throws {
        let (url, store) = try await TestDatabase.store()
        let user = try await store.createUser(username: "ada")
        var f = EventFactory(user: user)
        let contact = f.contactCreated(name: "Grace")
        let tx = f.transactionCreated(contact: contact.aggregateID, amount: 1500)
        let owed = f.transactionCreated(contact: contact.aggregateID, amount: 400, direction: "owed")
        let outcomes = try await store.append([contact, tx, owed], options: .client)
        #expect(outcomes == [.appended(position: 1), .appended(position: 2), .appended(position: 3)])

        let db = try PQConnection(url)
        let row = try db.querySync(
            "SELECT name, balance::text, version::text, last_position::text FROM contacts_projection WHERE id = $1::uuid",
            [contact.aggregateID.description])
        #expect(row == [["Grace", "1100", "1", "1"]])
        let txRow = try db.querySync(
            "SELECT amount::text, direction, contribution::text FROM transactions_projection WHERE id = $1::uuid",
            [owed.aggregateID.description])
        #expect(txRow == [["400", "owed", "-400"]])
        let checkpoints = try db.querySync("SELECT name, position::text FROM projection_checkpoints ORDER BY name", [])
        #expect(checkpoints == [["contacts", "3"], ["transactions", "3"]])
    }
}
