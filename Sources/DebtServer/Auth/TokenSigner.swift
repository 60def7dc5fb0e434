import Crypto
import DebtCore
import Synchronization

/// HS256 JSON Web Tokens: `{"sub": user id, "name", "adm": is admin, "iat", "exp"}`.
struct TokenSigner: Sendable {
    struct Claims: Sendable, Equatable {
        let userID: Identifier
        let username: String
        let isAdmin: Bool
        let issuedAt: Int64
        let expiresAt: Int64
    }

    enum Failure: Error { case malformed, badSignature, expired }

    let key: SymmetricKey
    /// Tokens this signer has verified, with their claims (see `VerifiedTokens`).
    let verified = VerifiedTokens(capacity: 4096)

    init(secret: [UInt8]) { key = SymmetricKey(data: secret) }

    /// The header this signer writes, encoded.
    static let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    func sign(_ c: Claims) -> String {
        let header = Self.header
        let payload: JSONValue = [
            "sub": .string(c.userID.description), "name": .string(c.username), "adm": .bool(c.isAdmin),
            "iat": .integer(c.issuedAt), "exp": .integer(c.expiresAt),
        ]
        let body = header + "." + base64URL(Array(payload.canonicalText.utf8))
        let mac = HMAC<Crypto.SHA256>.authenticationCode(for: Array(body.utf8), using: key)
        return body + "." + base64URL(Array(mac))
    }

    func verify(_ token: String, now: Int64) throws(Failure) -> Claims {
        if let claims = verified.claims(of: token) {
            guard claims.expiresAt > now else { throw .expired }
            return claims
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = decode(parts[0]), let payload = decode(parts[1]), let signature = decode(parts[2]) else {
            throw .malformed
        }
        guard parts[0] == Self.header || (try? JSONValue(parsing: header))?["alg"] == "HS256" else { throw .malformed }
        let signed = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard HMAC<Crypto.SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) else { throw .badSignature }
        guard let claims = try? JSONValue(parsing: payload), let sub = claims["sub"]?.stringValue.flatMap({ Identifier($0) }),
              let name = claims["name"]?.stringValue, let exp = claims["exp"]?.integerValue, let iat = claims["iat"]?.integerValue
        else { throw .malformed }
        guard exp > now else { throw .expired }
        let verifiedClaims = Claims(userID: sub, username: name, isAdmin: claims["adm"]?.boolValue ?? false, issuedAt: iat, expiresAt: exp)
        verified.remember(token, verifiedClaims)
        return verifiedClaims
    }

    private func base64URL(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }

    private func decode(_ part: Substring) -> [UInt8]? { Base64URL.decode(part) }
}

/// The tokens a signer has verified, each with its claims: a client sends the same token with every
/// request, and checking its signature and decoding its JSON again each time was about 5% of the
/// server's CPU under single writes. Only a token whose signature was checked is remembered, under its
/// exact text; its expiry is still checked on every use. The set is bounded: when full it is forgotten
/// whole and refills from the tokens in use.
final class VerifiedTokens: Sendable {
    private let entries = Mutex<[String: TokenSigner.Claims]>([:])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func claims(of token: String) -> TokenSigner.Claims? { entries.withLock { $0[token] } }

    func remember(_ token: String, _ claims: TokenSigner.Claims) {
        entries.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[token] = claims
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
