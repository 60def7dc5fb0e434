import DebtCore

/// A column of tabular output: its stable field name (also the JSON key), its header, and whether
/// only `-o wide` shows it by default.
struct Column {
    let field: String
    let header: String
    var wide = false
    var numeric = false

    init(_ field: String, _ header: String? = nil, wide: Bool = false, numeric: Bool = false) {
        self.field = field
        self.header = header ?? field.uppercased()
        self.wide = wide
        self.numeric = numeric
    }
}

enum OutputFormat: String { case table, wide, json, ndjson, csv }

/// Writes records (JSON objects) in the chosen format. json, ndjson and csv stream row by row; a table
/// needs its column widths, so it holds rows until `end()` (list commands default to 50 rows).
final class RecordWriter {
    let format: OutputFormat
    let columns: [Column]
    let sink: OutputSink
    let style: Style
    /// The terminal's width to fit tables into; nil when not on a terminal (nothing is cut).
    let width: Int?
    private var rows: [[String]] = []
    private var count = 0

    /// `fields` (from `--fields`) picks and orders the fields; unknown names are a usage error.
    init(format: OutputFormat, columns: [Column], fields: [String]?, sink: OutputSink, style: Style, width: Int?) throws {
        self.format = format
        self.sink = sink
        self.style = style
        self.width = width
        if let fields {
            var picked: [Column] = []
            for f in fields {
                guard let c = columns.first(where: { $0.field == f }) else {
                    throw CLIError.usage("unknown field '\(f)' for --fields; fields are: \(columns.map(\.field).joined(separator: ", "))")
                }
                picked.append(c)
            }
            self.columns = picked
        } else {
            self.columns = format == .table ? columns.filter { !$0.wide } : columns
        }
    }

    func begin() throws {
        switch format {
        case .csv: try sink.write(columns.map { csvField($0.field) }.joined(separator: ",") + "\n")
        case .json: try sink.write("[")
        default: break
        }
    }

    func emit(_ record: JSONValue) throws {
        defer { count += 1 }
        switch format {
        case .ndjson, .json:
            var picked: [String: JSONValue] = [:]
            for c in columns { picked[c.field] = record[c.field] ?? .null }
            var bytes: [UInt8] = Array((format == .json ? (count == 0 ? "\n" : ",\n") : "").utf8)
            JSONValue.object(picked).writeCanonical(into: &bytes)
            if format == .ndjson { bytes.append(0x0A) }
            try sink.write(bytes: bytes)
        case .csv:
            try sink.write(columns.map { csvField(cell(record[$0.field])) }.joined(separator: ",") + "\n")
        case .table, .wide:
            rows.append(columns.map { cell(record[$0.field]) })
        }
    }

    func end() throws {
        switch format {
        case .json: try sink.write(count == 0 ? "]\n" : "\n]\n")
        case .table, .wide: try writeTable()
        default: break
        }
    }

    /// The text of a value in a table or CSV cell.
    func cell(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .integer(let i)?: return String(i)
        case .double(let d)?: return d.description
        case .bool(let b)?: return b ? "yes" : "no"
        case let other?: return other.canonicalText
        }
    }

    private func writeTable() throws {
        var widths = columns.map { $0.header.count }
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], displayWidth(c)) } }
        // Fit the terminal: shrink the widest column until the line fits (never below 8).
        if format == .table, let width {
            while widths.reduce(0, +) + 2 * (widths.count - 1) > width, let i = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[i] > 8 {
                widths[i] -= 1
            }
        }
        func line(_ cells: [String], header: Bool) -> String {
            var out = ""
            for (i, c) in cells.enumerated() {
                let text = fit(c, widths[i])
                let pad = String(repeating: " ", count: max(0, widths[i] - displayWidth(text)))
                var shown = columns[i].numeric && !header ? pad + text : text + (i == cells.count - 1 ? "" : pad)
                if header { shown = style.bold(shown) } else if columns[i].field == "type" { shown = style.eventType(shown) }
                out += shown + (i == cells.count - 1 ? "" : "  ")
            }
            return out + "\n"
        }
        try sink.write(line(columns.map(\.header), header: true))
        for r in rows { try sink.write(line(r, header: false)) }
    }

    private func fit(_ s: String, _ w: Int) -> String {
        let single = s.contains("\n") ? s.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "⏎") : s
        guard displayWidth(single) > w else { return single }
        return String(single.prefix(max(0, w - 1))) + "…"
    }

    private func displayWidth(_ s: String) -> Int { s.count }

    private func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var out = "\""
        for ch in s { out += ch == "\"" ? "\"\"" : String(ch) }
        return out + "\""
    }
}
