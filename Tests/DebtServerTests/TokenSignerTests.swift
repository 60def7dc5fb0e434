import DebtCore
@testable import DebtServer
import Testing

@Suite("Access tokens (HS256)")
struct TokenSignerTests {
    let signer = TokenSigner(secret: Array("a-test-secret-a-test-secret-a-test-secret".utf8))
    let claims = TokenSigner.Claims(userID: Identifier.random(), username: "zoë", isAdmin: true, issuedAt: 1_000, expiresAt: 2_000)

    func parts(_ token: String) -> [String] { token.split(separator: ".", omittingEmptySubsequences: false).map(String.init) }

    @Test("a signed token verifies to its claims until it expires")
    func roundTrip() throws {
        let token = signer.sign(claims)
        #expect(try signer.verify(token, now: 1_999) == claims)
        #expect(throws: TokenSigner.Failure.expired) { try signer.verify(token, now: 2_000) }
        let header = try #require(Base64URL.decode(parts(token)[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"HS256","typ":"JWT"}"#)
    }

    @Test("a verified token is remembered: it still expires, and a changed one is checked afresh")
    func remembered() throws {
        let token = signer.sign(claims)
        #expect(signer.verified.claims(of: token) == nil)
        #expect(try signer.verify(token, now: 1_500) == claims)
        #expect(signer.verified.claims(of: token) == claims)
        #expect(try signer.verify(token, now: 1_999) == claims)
        #expect(throws: TokenSigner.Failure.expired) { try signer.verify(token, now: 2_000) }
        let p = parts(token)
        var signature = Array(p[2].utf8)
        signature[3] = signature[3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: TokenSigner.Failure.badSignature) { try signer.verify(p[0] + "." + p[1] + "." + String(decoding: signature, as: UTF8.self), now: 1_500) }
        // Refused tokens are not remembered; a full set is forgotten and refills.
        #expect(signer.verified.count == 1)
        let small = VerifiedTokens(capacity: 2)
        for i in 0..<5 { small.remember("t\(i)", claims) }
        #expect(small.count == 1 && small.claims(of: "t4") == claims && small.claims(of: "t0") == nil)
    }

    @Test("a changed payload, another key's signature, another algorithm or a malformed part is refused")
    func refusals() throws {
        let token = signer.sign(claims)
        let p = parts(token)
        let other = TokenSigner(secret: Array("another-secret-another-secret-another".utf8)).sign(claims)
        #expect(throws: TokenSigner.Failure.badSignature) { try signer.verify(other, now: 1_500) }
        // The same claims but not an admin, under the original signature.
        var forged = claims.userID.description
        forged = Base64URL.encode(Array(#"{"adm":false,"exp":2000,"iat":1000,"name":"zoë","sub":"\#(forged)"}"#.utf8))
        #expect(throws: TokenSigner.Failure.badSignature) { try signer.verify(p[0] + "." + forged + "." + p[2], now: 1_500) }
        let none = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        #expect(throws: TokenSigner.Failure.malformed) { try signer.verify(none + "." + p[1] + ".", now: 1_500) }
        #expect(throws: TokenSigner.Failure.malformed) { try signer.verify(none + "." + p[1] + "." + p[2], now: 1_500) }
        for bad in ["", "a.b", "a.b.c.d", p[0] + "." + p[1] + "." + p[2] + "=", p[0] + "=." + p[1] + "." + p[2], p[0] + "." + p[1] + "+." + p[2]] {
            #expect(throws: TokenSigner.Failure.self, "\(bad)") { try signer.verify(bad, now: 1_500) }
        }
    }
}
