import HTTPTypes

/// Header names the standard set lacks. `HTTPField.Name(_:)` validates its text, so each is optional;
/// the literals are valid tokens, and a use site that finds nil simply leaves the header out.
extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")
    static let frameOptions = HTTPField.Name("X-Frame-Options")
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")
    static let permissionsPolicy = HTTPField.Name("Permissions-Policy")
}
