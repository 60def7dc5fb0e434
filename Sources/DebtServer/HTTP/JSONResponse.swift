import DebtCore
import Hummingbird

/// JSON in and out, with our own canonical encoder (the same bytes `debtctl` prints).
extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var bytes: [UInt8] = []
        value.writeCanonical(into: &bytes)
        return json(text: bytes, status: status)
    }

    /// A JSON body already written as text.
    static func json(text bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// The body parsed as JSON; 400 naming where it is malformed, 413 above `limit`.
    func json(limit: Int) async throws -> JSONValue {
        var buffer = try await body.collect(upTo: limit)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard !bytes.isEmpty else { throw APIError.badRequest("request body is empty; expected JSON") }
        return try JSONValue(parsing: bytes)
    }

    /// A required JSON object body.
    func jsonObject(limit: Int) async throws -> [String: JSONValue] {
        let v = try await json(limit: limit)
        guard case .object(let o) = v else { throw APIError.badRequest("request body must be a JSON object, got \(v.typeName)") }
        return o
    }
}

extension Parameters {
    /// A path parameter that must be a UUID; 404 otherwise (a malformed id names nothing).
    func identifier(_ name: String) throws -> Identifier {
        guard let text = get(name), let id = Identifier(text) else { throw APIError.badRequest("\(name) must be a UUID") }
        return id
    }
}
