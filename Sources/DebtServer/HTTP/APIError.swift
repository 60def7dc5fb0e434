import DebtCore
import Hummingbird

/// An error answered as the contract says: the status and `{"error": "<message>"}`.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ m: String) -> APIError { APIError(.badRequest, m) }
    static func notFound(_ m: String) -> APIError { APIError(.notFound, m) }
    static func conflict(_ m: String) -> APIError { APIError(.conflict, m) }
    static let unauthorized = APIError(.unauthorized, "missing or invalid token")
    static let forbidden = APIError(.forbidden, "admin only")

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let body = JSONValue.object(["error": .string(message)]).canonicalText
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The API's answer to any error a handler throws: client mistakes keep their 4xx; a database
    /// that cannot be reached is 503; anything else is a 500 that says nothing of its cause.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as ValidationError: return .badRequest(e.description)
        case let e as JSONParseError: return .badRequest(e.description)
        case let e as StoreError:
            switch e {
            case .notFound(let m): return .notFound(m)
            case .conflict(let m): return .conflict(m)
            case .refused(let r): return APIError(.unprocessableContent, "undo refused: \(r)")
            case .busy(let m): return .conflict(m)
            case .schemaTooNew, .corrupt: return APIError(.internalServerError, "internal error")
            }
        case let e as SQLError:
            if e.kind == .connection { return APIError(.serviceUnavailable, "database unavailable") }
            // Data exceptions (class 22) come from values the client sent that PostgreSQL cannot take:
            // NUL in text (found by schemathesis: a login name with \u0000), numbers or dates out of
            // range. PostgreSQL's message names the problem, never the query.
            if e.sqlState?.hasPrefix("22") == true { return .badRequest("invalid value: \(e.message)") }
            return APIError(.internalServerError, "internal error")
        case let e as any HTTPResponseError where e.status.code < 500:
            // Hummingbird's and NIO's own client errors (unknown route, body over the limit, …).
            switch e.status {
            case .contentTooLarge: return APIError(.contentTooLarge, "request body is larger than the limit")
            case .notFound: return .notFound("no such route")
            default: return APIError(e.status, (e as? HTTPError)?.body ?? e.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, "internal error")
        }
    }
}
