import DebtCore
@testable import DebtServer
import Testing

@Suite("NOTIFY payloads")
struct NotificationPayloadTests {
    @Test("the user's id is found in PostgreSQL's text of the payload and in compact JSON; anything else is nil, not a guess")
    func userID() throws {
        let user = Identifier.random()
        let event = Event(
            id: .random(), aggregateType: .contact, aggregateID: .random(), eventType: .created, data: ["name": "x"],
            timestamp: .now(), version: 1, userID: user, metadata: EventMetadata(actor: "a", source: "api"))
        // jsonb's output: keys by length, ", " and ": " between them.
        let jsonb = #"{"type": "contact_created", "user_id": "\#(user)", "event_id": "\#(event.id)", "position": 7}"#
        #expect(NotificationHub.userID(in: jsonb) == user)
        #expect(NotificationHub.userID(in: event.notificationJSON.compactText) == user)
        #expect(NotificationHub.userID(in: event.notificationJSON.canonicalText) == user)
        for bad in ["", "{}", #"{"user_id": 7}"#, #"{"user_id": "not-a-uuid-not-a-uuid-not-a-uuid-nota"}"#, #"{"user_id""#, #"{"user_id": ""#] {
            #expect(NotificationHub.userID(in: bad) == nil, "\(bad)")
        }
    }
}
