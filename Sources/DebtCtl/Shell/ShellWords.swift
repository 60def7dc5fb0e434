/// Splits a shell line into words as a POSIX shell does for a simple command: blanks separate words,
/// '…' keeps everything literally, "…" keeps everything but `\"` and `\\`, a backslash outside quotes
/// escapes the next character, and `#` at the start of a word begins a comment.
struct ShellWords: Equatable {
    var words: [String]
    /// The quote left open at the end of the line, if any.
    var openQuote: Character?
    /// True when the line ends inside a word (the word being typed is `words.last`), false after a blank.
    var endsInWord: Bool

    init(words: [String], openQuote: Character? = nil, endsInWord: Bool) {
        self.words = words
        self.openQuote = openQuote
        self.endsInWord = endsInWord
    }

    init(_ line: String) {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in line {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if let q = quote {
                if c == q {
                    quote = nil
                } else if q == "\"", c == "\\" {
                    escaped = true
                } else {
                    current.append(c)
                }
                continue
            }
            switch c {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case "#" where !inWord:
                self.init(words: words, endsInWord: false)
                return
            default:
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        self.init(words: words, openQuote: quote, endsInWord: inWord)
    }
}
