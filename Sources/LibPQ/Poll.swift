#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// True when `fd` becomes readable within `timeout` seconds (interrupted waits count as not readable).
func waitReadable(fd: Int32, timeout: Double) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let ms = Int32(max(0, min(timeout, 86_400)) * 1000)
    return poll(&p, 1, ms) > 0
}
