import Crypto
import HTTPTypes
import Foundation
import Hummingbird

/// `GET /admin`: the admin panel, served from the files bundled with the server (no CDN; works offline).
/// Only the files listed in `files` exist: a path is a key into that table, never a file-system path.
/// The page is static; it talks to `/api/admin/*` and `/ws` with the token the operator logs in with,
/// so every action has the same checks as any other client of the admin API.
struct AdminPageRoutes {
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
        let etag: String
    }

    /// Scripts and styles only from this origin, no inline script or style, no plugins, no framing;
    /// `connect-src 'self'` covers the API and the same-origin WebSocket.
    static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static let files: [String: File] = {
        let types = ["index.html": "text/html; charset=utf-8", "admin.js": "text/javascript; charset=utf-8", "admin.css": "text/css; charset=utf-8",
                     "favicon.svg": "image/svg+xml"]
        var files: [String: File] = [:]
        for (name, type) in types {
            guard let url = Bundle.module.resourceURL?.appendingPathComponent("admin").appendingPathComponent(name),
                  let data = try? Data(contentsOf: url) else { continue }
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            files[name] = File(bytes: Array(data), contentType: type, etag: "\"\(digest)\"")
        }
        return files
    }()

    func register(_ router: Router<AppContext>) {
        router.get("/admin") { request, _ in try Self.serve("index.html", request) }
        router.get("/admin/:file") { request, context in try Self.serve(context.parameters.get("file") ?? "", request) }
    }

    static func serve(_ name: String, _ request: Request) throws -> Response {
        guard let file = files[name] else {
            if files.isEmpty { throw APIError(.serviceUnavailable, "the admin page's files are missing from this installation") }
            throw APIError.notFound("no such file in the admin page")
        }
        var headers: HTTPFields = [.contentType: file.contentType, .eTag: file.etag, .cacheControl: "no-cache"]
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        if let p = HTTPField.Name.permissionsPolicy { headers[p] = "camera=(), microphone=(), geolocation=()" }
        if request.headers[.ifNoneMatch] == file.etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
