/// Why a store operation failed, apart from driver errors (`SQLError`).
public enum StoreError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case conflict(String)
    case refused(UndoRefusal)
    /// A stored row could not be read back: a bug or a hand-edited database.
    case corrupt(String)
    /// The database's schema is newer than this program knows.
    case schemaTooNew(found: Int, known: Int)
    /// Another process holds a lock this operation needs (a rebuild is running).
    case busy(String)

    public var description: String {
        switch self {
        case .notFound(let m): return m
        case .conflict(let m): return m
        case .refused(let r): return "undo refused: \(r)"
        case .corrupt(let m): return "unreadable row: \(m)"
        case .busy(let m): return m
        case .schemaTooNew(let f, let k):
            return "the database schema is at version \(f), newer than this program's \(k); upgrade the program"
        }
    }
}
