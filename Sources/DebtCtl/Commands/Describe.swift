import DebtCore

/// Prints one object: indented JSON for -o json, one line for ndjson, "Key: value" lines otherwise.
enum Describe {
    static func write(_ ctx: Context, record: JSONValue, lines: [(String, String)]) throws {
        switch ctx.format {
        case .json: try ctx.sink.write(record.prettyText + "\n")
        case .ndjson: try ctx.sink.write(record.canonicalText + "\n")
        case .csv, .table, .wide:
            let w = (lines.map(\.0.count).max() ?? 0) + 2
            try ctx.sink.write(lines.map { ctx.style.bold(($0.0 + ":").padding(w)) + $0.1 }.joined(separator: "\n") + "\n")
        }
    }

    /// A section heading between parts of a table-format description.
    static func heading(_ ctx: Context, _ title: String) throws {
        if ctx.format == .table || ctx.format == .wide { try ctx.sink.write("\n" + ctx.style.bold(title) + "\n") }
    }

    static func cell(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return "-"
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "yes" : "no"
        case let other?: return other.canonicalText
        }
    }
}
