@testable import DebtCtl
import Testing

@Suite("shell words, history policy and completion")
struct ShellParsingTests {
    @Test("lines split into words as a POSIX shell splits a simple command", arguments: [
        ("events list", ["events", "list"], nil as Character?, true),
        ("  events   list  ", ["events", "list"], nil, false),
        ("undo X --reason 'two words'", ["undo", "X", "--reason", "two words"], nil, true),
        ("undo X --reason \"say \\\"hi\\\"\"", ["undo", "X", "--reason", "say \"hi\""], nil, true),
        ("a\\ b c", ["a b", "c"], nil, true),
        ("events list # show them", ["events", "list"], nil, false),
        ("events list --search a#b", ["events", "list", "--search", "a#b"], nil, true),
        ("'' x", ["", "x"], nil, true),
        ("--search 'open", ["--search", "open"], "'", true),
    ])
    func words(line: String, words: [String], quote: Character?, endsInWord: Bool) {
        let split = ShellWords(line)
        #expect(split.words == words)
        #expect(split.openQuote == quote)
        #expect(split.endsInWord == endsInWord)
    }

    @Test("lines that may carry a secret are never kept", arguments: [
        ("events list --limit 5", true),
        ("set database postgresql://ops@db.internal/debt", true),
        ("set database postgresql://ops:s3cret@db.internal/debt", false),
        ("set database 'host=db password=x'", false),
        ("config set prod token abc", false),
        ("events list --search eyJhbGciOiJIUzI1NiJ9", false),
        ("set server https://admin:pw@debt.example.com", false),
        ("events list --search Secret", false),
    ])
    func historyPolicy(line: String, kept: Bool) {
        #expect(ShellHistory.mayKeep(line) == kept)
    }

    @Test("completion inside the shell: builtins, settings, their values, and the command table")
    func completion() {
        let shell = Shell(globals: [:], keepGoing: false)
        #expect(shell.completions(before: "se").candidates == ["set"])
        #expect(shell.completions(before: "e").candidates == ["events", "exit"])
        #expect(shell.completions(before: "set ou").candidates == ["output"])
        #expect(shell.completions(before: "set output n").candidates == ["ndjson"])
        #expect(shell.completions(before: "set verbose ").candidates == ["off", "on"])
        #expect(shell.completions(before: "events list --aggregate c") == ("c", ["contact"]))
        #expect(shell.completions(before: "projections ").candidates == ["rebuild", "status", "verify"])
        #expect(shell.completions(before: "exit ").candidates.isEmpty)
    }

    @Test("candidates are listed in columns that fit the width")
    func columns() {
        #expect(LineEditor.columns(["rebuild", "status", "verify"], width: 20) == "rebuild  status\nverify\n")
        #expect(LineEditor.columns(["a", "b"], width: 80) == "a  b\n")
    }
}
