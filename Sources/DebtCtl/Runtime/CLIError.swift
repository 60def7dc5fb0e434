import DebtCore
import LibPQ

/// Failures of a command, each with the exit status scripts rely on.
enum CLIError: Error {
    case usage(String)
    case failure(String)
    case unhealthy(String)
    case conflict(String)
    case unavailable(String)
    case permission(String)
    /// Ctrl-C in the shell stopped the command.
    case interrupted
}

/// The exit statuses, decided here and nowhere else (documented in `--help` and the man page).
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let error: Int32 = 1
    public static let usage: Int32 = 2
    public static let unhealthy: Int32 = 3
    public static let conflict: Int32 = 4
    public static let unavailable: Int32 = 69
    public static let noPermission: Int32 = 77
    public static let interrupted: Int32 = 130

    public static let table: [(Int32, String)] = [
        (ok, "success"), (error, "error"), (usage, "usage error (bad command line)"),
        (unhealthy, "unhealthy: projections lagging, stalled or drifting; schema behind"),
        (conflict, "conflict: version conflict, refused undo, a rebuild already running"),
        (unavailable, "server or database unreachable"), (noPermission, "authentication failed or permission denied"),
        (interrupted, "interrupted (Ctrl-C)"),
    ]

    /// The status and the message for an error thrown by a command.
    static func of(_ error: any Error) -> (Int32, String) {
        // A statement cancelled by Ctrl-C fails with whatever error the cancel caused; say what happened.
        if Interrupts.pending { return (interrupted, "interrupted") }
        switch error {
        case let e as CLIError:
            switch e {
            case .usage(let m): return (usage, m)
            case .failure(let m): return (self.error, m)
            case .unhealthy(let m): return (unhealthy, m)
            case .conflict(let m): return (conflict, m)
            case .unavailable(let m): return (unavailable, m)
            case .permission(let m): return (noPermission, m)
            case .interrupted: return (interrupted, "interrupted")
            }
        case let e as SQLError:
            switch e.kind {
            case .connection: return (unavailable, e.description)
            case .authentication: return (noPermission, e.description)
            case .statement: return (self.error, e.description)
            }
        case let e as StoreError:
            switch e {
            case .conflict, .refused, .busy: return (conflict, e.description)
            case .notFound, .corrupt, .schemaTooNew: return (self.error, e.description)
            }
        default:
            return (self.error, String(describing: error))
        }
    }
}
