internal import CCurl
import LibPQ

/// One libcurl easy handle, reused for every request of a command and freed in `deinit`.
final class CurlClient {
    struct Failure: Error, CustomStringConvertible {
        let code: Int
        let message: String
        var description: String { "\(message) (curl error \(code))" }
        /// Ctrl-C in the shell aborted the transfer.
        var interrupted: Bool { code == Int(CURLE_ABORTED_BY_CALLBACK.rawValue) }
    }

    /// Collects the response body; passed to libcurl's write callback as its user data.
    private final class Sink {
        var bytes: [UInt8] = []
    }

    private let handle: UnsafeMutableRawPointer

    init() throws {
        guard ccurl_available() != 0 else {
            throw Failure(code: -1, message: "libcurl (libcurl.so.4) is not installed; server mode needs it (apt install libcurl4)")
        }
        guard let h = ccurl_easy_init() else { throw Failure(code: -1, message: "libcurl could not create a handle") }
        handle = h
    }

    deinit { ccurl_easy_cleanup(handle) }

    /// Sends one request; returns the status and body. Headers must not be logged by callers: they
    /// may carry the token.
    func send(method: String, url: String, headers: [String], body: [UInt8]?, timeoutSeconds: Int = 0) throws -> (status: Int, body: [UInt8]) {
        ccurl_easy_reset(handle)
        let sink = Sink()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var list: UnsafeMutablePointer<curl_slist>?
        for h in headers { list = ccurl_slist_append(list, h) }
        defer { ccurl_slist_free_all(list) }
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { err in
            ccurl_setopt_string(handle, CURLOPT_URL, url)
            ccurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
            ccurl_setopt_string(handle, CURLOPT_USERAGENT, "debtctl/\(CLI.version)")
            ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, 10)
            ccurl_setopt_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)
            ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
            ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, err.baseAddress)
            ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
            ccurl_setopt_write(handle) { data, size, count, user in
                guard let data, let user else { return 0 }
                let n = size * count
                let sink = Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue()
                data.withMemoryRebound(to: UInt8.self, capacity: n) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
                return n
            }
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
            // Called at least once a second, also while a long-poll waits: Ctrl-C aborts the transfer.
            ccurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
            ccurl_setopt_progress(handle) { _, _, _, _, _ in Interrupts.pending ? 1 : 0 }
            if method == "HEAD" { ccurl_setopt_long(handle, CURLOPT_NOBODY, 1) }
            guard let body else { return ccurl_easy_perform(handle) }
            return body.withUnsafeBufferPointer { b in
                ccurl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, b.count)
                if let base = b.baseAddress {
                    ccurl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                } else {
                    ccurl_setopt_string(handle, CURLOPT_POSTFIELDS, "")
                }
                return ccurl_easy_perform(handle)
            }
        }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(code: Int(code.rawValue), message: detail.isEmpty ? String(cString: ccurl_easy_strerror(code)) : detail)
        }
        var status = 0
        ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, sink.bytes)
    }
}
