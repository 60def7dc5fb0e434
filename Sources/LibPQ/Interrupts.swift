internal import CInterrupts
internal import CLibPQ

/// Ctrl-C for interactive use: once `catchInterrupts()` is called, SIGINT no longer ends the process;
/// it sets a flag that long-running work checks, and cancels the statement running on the armed
/// connection (`PQConnection.armCancellation()`), as psql does.
public enum Interrupts {
    /// Installs the SIGINT handler (without SA_RESTART: blocking waits return early).
    public static func catchInterrupts() { _ = debt_interrupts_install() }

    /// True after a SIGINT until `clear()`.
    public static var pending: Bool { debt_interrupts_pending() != 0 }

    public static func clear() { debt_interrupts_clear() }

    /// Makes `cancel` (a PGcancel) the handle a SIGINT uses; nil disarms.
    static func arm(_ cancel: OpaquePointer?) {
        debt_interrupts_set_target(cancel.map { UnsafeMutableRawPointer($0) }) { handle, message, size in
            guard let handle else { return 0 }
            return dl_PQcancel(OpaquePointer(handle), message, size)
        }
    }

    static var armed: OpaquePointer? { debt_interrupts_target().map { OpaquePointer($0) } }
}
