internal import CEditLine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Line editing for the shell through libedit's native interface: emacs keys, history (Up/Down,
/// Ctrl-R search), Tab completion through `completer`, and Ctrl-C abandoning the line being typed.
final class LineEditor {
    /// Given the text before the cursor: the word being completed and its candidates.
    typealias Completer = (String) -> (word: String, candidates: [String])

    private let editor: OpaquePointer
    private let history: OpaquePointer?
    private var promptStorage: UnsafeMutablePointer<CChar>
    private let completer: Completer
    /// Set when Ctrl-C abandoned the line `readLine` returns.
    private(set) var cancelled = false

    /// nil when libedit cannot be loaded.
    init?(historySize: Int, completer: @escaping Completer) {
        guard cedit_available() != 0 else { return nil }
        setlocale(LC_CTYPE, "")
        guard let e = cedit_init("debtctl") else { return nil }
        editor = e
        history = cedit_history_init(Int32(historySize))
        promptStorage = strdup("> ")
        self.completer = completer
        cedit_set_client_data(e, Unmanaged.passUnretained(self).toOpaque())
        cedit_set_prompt(e) { e in e.flatMap(LineEditor.owner)?.promptStorage }
        cedit_set_string(e, EL_EDITOR, "emacs")
        // libedit restores the terminal around signals (and follows window size changes).
        cedit_set_int(e, EL_SIGNAL, 1)
        if let history { cedit_use_history(e, history) }
        cedit_add_function(e, "debtctl-complete", "complete the word before the cursor") { e, _ in
            e.flatMap(LineEditor.owner)?.complete() ?? UInt8(CC_ERROR)
        }
        cedit_add_function(e, "debtctl-cancel", "abandon the line") { e, _ in
            guard let me = e.flatMap(LineEditor.owner) else { return UInt8(CC_ERROR) }
            me.cancelled = true
            LineEditor.write("^C\n")
            return UInt8(CC_NEWLINE)
        }
        cedit_bind(e, "^I", "debtctl-complete")
        // While editing, Ctrl-C is a key (not SIGINT) that abandons the line, as in bash and psql.
        cedit_setty(e, "-d", "-isig")
        cedit_bind(e, "^C", "debtctl-cancel")
        cedit_bind(e, "^R", "em-inc-search-prev")
        cedit_source(e)
    }

    deinit {
        if let history { cedit_history_end(history) }
        cedit_end(editor)
        free(promptStorage)
    }

    private static func owner(_ e: OpaquePointer) -> LineEditor? {
        cedit_client_data(e).map { Unmanaged<LineEditor>.fromOpaque($0).takeUnretainedValue() }
    }

    var prompt: String = "> " {
        didSet {
            free(promptStorage)
            promptStorage = strdup(prompt)
        }
    }

    /// The next line without its newline; nil at end of input (Ctrl-D on an empty line).
    func readLine() -> String? {
        cancelled = false
        while true {
            var count: Int32 = 0
            guard let p = cedit_gets(editor, &count) else {
                if count < 0 && errno == EINTR { continue }
                return nil
            }
            if count <= 0 { return nil }
            var line = String(cString: p)
            while line.last == "\n" || line.last == "\r" { line.removeLast() }
            return line
        }
    }

    func remember(_ line: String) {
        if let history { cedit_history_enter(history, line) }
    }

    func loadHistory(from path: String) {
        if let history { cedit_history_load(history, path) }
    }

    /// Writes the history (bounded by its size) to `path`, mode 0600.
    func saveHistory(to path: String) {
        guard let history, ShellHistory.prepare(path) else { return }
        cedit_history_save(history, path)
        chmod(path, 0o600)
    }

    /// Tab: one candidate is inserted whole (with a space after it), several are completed to their
    /// common prefix, and listed when that adds nothing.
    private func complete() -> UInt8 {
        guard let info = cedit_line(editor) else { return UInt8(CC_ERROR) }
        let before = UnsafeRawBufferPointer(start: info.pointee.buffer, count: info.pointee.buffer.distance(to: info.pointee.cursor))
        let (word, candidates) = completer(String(decoding: before, as: UTF8.self))
        guard let first = candidates.first else { return UInt8(CC_REFRESH_BEEP) }
        if candidates.count == 1 {
            cedit_insert(editor, String(first.dropFirst(word.count)) + " ")
            return UInt8(CC_REFRESH)
        }
        var common = first
        for c in candidates.dropFirst() {
            while !c.hasPrefix(common) { common.removeLast() }
        }
        if common.count > word.count {
            cedit_insert(editor, String(common.dropFirst(word.count)))
            return UInt8(CC_REFRESH)
        }
        LineEditor.write("\n" + LineEditor.columns(candidates, width: Terminal.current().width))
        return UInt8(CC_REDISPLAY)
    }

    /// Candidates in columns that fit `width`, row by row.
    static func columns(_ items: [String], width: Int) -> String {
        let cell = (items.map(\.count).max() ?? 0) + 2
        let perRow = max(1, width / max(cell, 1))
        var out = ""
        for (i, item) in items.enumerated() {
            let last = i % perRow == perRow - 1 || i == items.count - 1
            out += last ? item + "\n" : item.padding(cell)
        }
        return out
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(1, $0.baseAddress, $0.count) }
    }
}
