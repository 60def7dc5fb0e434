import DebtCore
import Foundation
import Testing
import TestSupport

@Suite("debtctl output formats (golden files)")
struct OutputFormatTests {
    @Test("events list in every format", arguments: ["table", "wide", "json", "ndjson", "csv"])
    func eventsList(format: String) async throws {
        let d = try await Deployment.make()
        let fields = format == "wide" ? [] : ["--fields", "position,type,aggregate_id,user,summary"]
        let args = ["events", "list", "--reverse", "-o", format] + fields
        let r = try d.debtctl(format == "wide" ? args + ["--fields", "position,type,event_id,version,actor,summary"] : args)
        #expect(r.status == 0, "\(r.stderr)")
        let g = golden("events-list.\(format)", r.stdout)
        #expect(g.matches, "got:\n\(r.stdout)\nexpected:\n\(g.expected)")
    }

    @Test("json output parses and keeps the documented field names")
    func jsonFields() async throws {
        let d = try await Deployment.make()
        let r = try d.debtctl(["events", "list", "-o", "json", "--limit", "3"])
        let rows = try #require(try JSONValue(parsing: r.stdout).arrayValue)
        #expect(rows.count == 3)
        #expect(rows.map { $0["position"] } == [.integer(9), .integer(8), .integer(7)])
        let keys = Set(rows[0].objectValue?.keys.map { $0 } ?? [])
        for k in ["position", "event_id", "aggregate_type", "aggregate_id", "event_type", "type", "version", "user_id", "user",
                  "created_at", "timestamp", "event_data", "metadata", "summary", "actor", "reason"] {
            #expect(keys.contains(k), "missing \(k)")
        }
        let empty = try d.debtctl(["events", "list", "-o", "json", "--user", "bob", "--type", "CONTACT_DELETED"])
        #expect(empty.stdout == "[]\n")
    }

    @Test("read models: contacts, transactions, balances, users")
    func readModels() async throws {
        let d = try await Deployment.make()
        let contacts = try d.debtctl(["contacts", "list", "--fields", "owner,name,phone,balance,updated_at"])
        #expect(golden("contacts-list.table", contacts.stdout).matches, "\(contacts.stdout)")
        let balances = try d.debtctl(["balances", "-o", "csv", "--fields", "owner,name,balance"])
        #expect(golden("balances.csv", balances.stdout).matches, "\(balances.stdout)")
        let txs = try d.debtctl(["transactions", "list", "--user", "alice", "-o", "ndjson", "--fields", "amount,direction,contribution,description"])
        #expect(golden("transactions-list.ndjson", txs.stdout).matches, "\(txs.stdout)")
        let deleted = try d.debtctl(["transactions", "list", "--deleted", "-o", "ndjson", "--fields", "is_deleted"])
        #expect(deleted.stdout.split(separator: "\n").count == 4)
        let users = try d.debtctl(["users", "list", "-o", "csv", "--fields", "username,events,contacts,total"])
        #expect(users.stdout == "username,events,contacts,total\nalice,7,2,2100\nbob,2,1,0\n")
    }

    @Test("filters: type, user, stream, cursor, search")
    func filters() async throws {
        let d = try await Deployment.make()
        func positions(_ args: [String]) throws -> [Int64] {
            let r = try d.debtctl(["events", "list", "-o", "ndjson", "--fields", "position"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            return try r.stdout.split(separator: "\n").map { try JSONValue(parsing: String($0))["position"]?.integerValue ?? -1 }
        }
        #expect(try positions(["--type", "CONTACT_CREATED"]) == [8, 2, 1])
        #expect(try positions(["--type", "CREATED", "--user", "bob"]) == [9, 8])
        #expect(try positions(["--stream", "transaction-\(Deployment.id(20))"]) == [6, 3])
        #expect(try positions(["--after", "6", "--limit", "2"]) == [7, 8])
        #expect(try positions(["--before", "3"]) == [2, 1])
        #expect(try positions(["--search", "QUOTES"]) == [3])
        #expect(try positions(["--search", "%"]) == [])
        #expect(try positions(["--aggregate", "contact", "--reverse"]) == [1, 2, 8])
        #expect(try positions(["--since", "1h"]) == Array((1...9).reversed()))
        #expect(try positions(["--until", "2000-01-01"]) == [])
        let unknown = try d.debtctl(["events", "list", "--user", "mallory"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no user 'mallory'"))
    }

    @Test("--fields with an unknown field is a usage error that lists the fields")
    func badFields() async throws {
        let d = try await Deployment.make()
        let r = try d.debtctl(["events", "list", "--fields", "position,nope"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown field 'nope'") && r.stderr.contains("summary"))
        #expect(r.stdout.isEmpty)
    }
}
