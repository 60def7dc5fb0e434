#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

internal import CInterrupts

/// True when `fd` becomes readable within `timeout` seconds. A SIGINT caught by `Interrupts` ends the
/// wait early (whichever thread the signal landed on) and counts as not readable.
func waitReadable(fd: Int32, timeout: Double) -> Bool {
    var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: debt_interrupts_wake_fd(), events: Int16(POLLIN), revents: 0)]
    let ms = Int32(max(0, min(timeout, 86_400)) * 1000)
    guard poll(&fds, fds[1].fd >= 0 ? 2 : 1, ms) > 0 else { return false }
    return fds[0].revents != 0
}
