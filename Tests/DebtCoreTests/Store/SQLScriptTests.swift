@testable import DebtCore
import Testing

@Suite("SQL script splitting")
struct SQLScriptTests {
    @Test("semicolons inside strings, identifiers, dollar quotes and comments do not split")
    func split() {
        let script = """
            CREATE TABLE a (x text DEFAULT 'a;b', "we;ird" int);
            -- a comment; still a comment
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no; never'; END
            $$;
            /* block; comment */ SELECT $tag$x;y$tag$, 'it''s; fine';
            ;
            """
        let parts = SQLScript.statements(script)
        #expect(parts.count == 3)
        #expect(parts[0] == "CREATE TABLE a (x text DEFAULT 'a;b', \"we;ird\" int)")
        #expect(parts[1].hasPrefix("-- a comment; still a comment\nCREATE FUNCTION") && parts[1].hasSuffix("$$"))
        #expect(parts[2].hasSuffix("SELECT $tag$x;y$tag$, 'it''s; fine'"))
    }

    @Test("the real migrations split into the statements they hold")
    func migrations() {
        let parts = SQLScript.statements(Schema.migrations[0].sql)
        #expect(parts.contains { $0.contains("CREATE FUNCTION events_refuse_change()") && $0.contains("RAISE EXCEPTION") && $0.hasSuffix("$$") })
        #expect(parts.filter { $0.hasPrefix("CREATE TABLE") }.count == 9)
    }
}
