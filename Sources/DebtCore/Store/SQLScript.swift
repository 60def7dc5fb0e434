/// Splits a SQL script into statements at top-level semicolons, leaving alone semicolons inside
/// quoted strings ('…', "…"), dollar-quoted bodies ($$…$$, $tag$…$tag$) and comments (-- and /* */).
/// Drivers whose protocol takes one statement at a time (PostgresNIO) run scripts through it.
public enum SQLScript {
    public static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var out: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let s = String(current).trimmingWhitespace
            if !s.isEmpty { out.append(s) }
            current = String.UnicodeScalarView()
        }
        while i < chars.count {
            let c = chars[i]
            if c == "'" || c == "\"" {
                let quote = c
                current.append(c)
                i += 1
                while i < chars.count {
                    current.append(chars[i])
                    if chars[i] == quote {
                        if i + 1 < chars.count, chars[i + 1] == quote { current.append(chars[i + 1]); i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { current.append(chars[i]); i += 1 }
                continue
            }
            if c == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                while i < chars.count, !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") { current.append(chars[i]); i += 1 }
                if i < chars.count { current.append("*"); current.append("/"); i += 2 }
                continue
            }
            if c == "$" {
                var j = i + 1
                while j < chars.count, chars[j] == "_" || chars[j].properties.isAlphabetic || (j > i + 1 && ("0"..."9").contains(chars[j])) { j += 1 }
                if j < chars.count, chars[j] == "$" {
                    let tag = Array(chars[i...j])
                    current.append(contentsOf: tag)
                    i = j + 1
                    while i < chars.count {
                        if chars[i] == "$", i + tag.count <= chars.count, Array(chars[i..<(i + tag.count)]) == tag {
                            current.append(contentsOf: tag)
                            i += tag.count
                            break
                        }
                        current.append(chars[i])
                        i += 1
                    }
                    continue
                }
            }
            if c == ";" {
                flush()
                i += 1
                continue
            }
            current.append(c)
            i += 1
        }
        flush()
        return out
    }
}

extension String {
    /// The text without leading and trailing white space (no Foundation needed).
    public var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
