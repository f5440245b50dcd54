import Auth
import Crypto
import Foundation
import Testing

@Suite struct TokenSignerTests {
    let secret = Array("0123456789abcdef0123456789abcdef".utf8)
    let signer: TokenSigner

    init() throws { self.signer = try TokenSigner(secret: self.secret, issuer: "mps") }

    func claims(exp: TimeInterval = 3600, device: String? = nil) -> TokenClaims {
        TokenClaims(
            subject: "ops",
            deviceID: device,
            expiresAt: epoch + exp,
            issuer: "mps",
            issuedAt: epoch,
            userID: 7
        )
    }

    /// A token verifies until exp and carries the reference's payload fields.
    @Test func issuesAndVerifies() throws {
        let token = self.signer.issue(self.claims())
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let header = try #require(Base64URL.decode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"HS256","typ":"JWT"}"#)
        let payload = try #require(Base64URL.decode(parts[1]))
        #expect(
            String(decoding: payload, as: UTF8.self)
                == #"{"deviceId":"*","exp":1800003600,"iat":1800000000,"iss":"mps","sub":"ops","tenantId":"","uid":7}"#
        )
        #expect(self.signer.verify(token, now: epoch) == self.claims())
        #expect(self.signer.verify(token, now: epoch + 3599) != nil)
        // JSON 0 and 1 are numbers, not booleans (Foundation can confuse the two).
        for uid: Int64 in [0, 1, 2, Int64(Int32.max) + 1] {
            var claims = self.claims()
            claims.userID = uid
            claims.credentialVersion = 1_796_374_742_123 + uid
            #expect(self.signer.verify(self.signer.issue(claims), now: epoch) == claims)
        }
    }

    /// B34: exp == now is expired, and so is everything after; a 1-minute token is dead at 61 s.
    @Test func rejectsExpired() {
        let token = self.signer.issue(self.claims(exp: 60))
        #expect(self.signer.verify(token, now: epoch + 59.999) != nil)
        #expect(self.signer.verify(token, now: epoch + 60) == nil)
        #expect(self.signer.verify(token, now: epoch + 61) == nil)
    }

    /// Changing any byte of header, payload or signature, or the secret, breaks it.
    @Test func rejectsTampering() throws {
        let token = self.signer.issue(self.claims())
        let parts = token.split(separator: ".").map(String.init)
        let forgedPayload = Base64URL.encode(
            Array(
                #"{"deviceId":"*","exp":1900000000,"iat":1800000000,"iss":"mps","sub":"root","tenantId":"","uid":1}"#
                    .utf8
            )
        )
        #expect(
            self.signer.verify(
                [parts[0], forgedPayload, parts[2]].joined(separator: "."),
                now: epoch
            ) == nil
        )
        var bytes = Array(token.utf8)
        for index in stride(from: 0, to: bytes.count, by: 5) where bytes[index] != UInt8(ascii: ".")
        {
            let saved = bytes[index]
            bytes[index] = saved == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(self.signer.verify(String(decoding: bytes, as: UTF8.self), now: epoch) == nil)
            bytes[index] = saved
        }
        let other = try TokenSigner(secret: Array(repeating: 7, count: 32), issuer: "mps")
        #expect(other.verify(token, now: epoch) == nil)
        let otherIssuer = try TokenSigner(secret: self.secret, issuer: "someone-else")
        #expect(otherIssuer.verify(token, now: epoch) == nil)
    }

    /// alg none, other algorithms, crit, and unsigned tokens are refused even with a valid MAC.
    @Test func rejectsOtherAlgorithms() {
        let payload = #"{"exp":1900000000,"iss":"mps","sub":"ops","iat":1800000000,"uid":7}"#
        let headers = [
            #"{"alg":"none","typ":"JWT"}"#, #"{"alg":"HS512"}"#, #"{"alg":"RS256"}"#,
            #"{"alg":"hs256"}"#,
            #"{"typ":"JWT"}"#, #"{"alg":"HS256","crit":["exp"]}"#, #"{"alg":"HS256","typ":"JWE"}"#,
            #"["HS256"]"#, #"{"alg":["HS256"]}"#,
        ]
        for header in headers {
            let input =
                Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(payload.utf8))
            let mac = Base64URL.encode(Hash.hmacSHA256(key: self.secret, data: Array(input.utf8)))
            #expect(self.signer.verify(input + "." + mac, now: epoch) == nil, "\(header)")
            #expect(self.signer.verify(input + ".", now: epoch) == nil, "\(header)")
        }
        // The same payload under a correct header is accepted: the refusals above are the header's.
        let good =
            Base64URL.encode(Array(#"{"typ":"JWT","alg":"HS256"}"#.utf8)) + "."
            + Base64URL.encode(Array(payload.utf8))
        let mac = Base64URL.encode(Hash.hmacSHA256(key: self.secret, data: Array(good.utf8)))
        #expect(self.signer.verify(good + "." + mac, now: epoch)?.subject == "ops")
    }

    /// Malformed base64url, JSON and claim types, and oversize tokens are nil, never a crash.
    @Test func rejectsMalformed() {
        let header = Base64URL.encode(Array(#"{"alg":"HS256"}"#.utf8))
        func signed(_ payload: String) -> String {
            let input = header + "." + Base64URL.encode(Array(payload.utf8))
            return input + "."
                + Base64URL.encode(Hash.hmacSHA256(key: self.secret, data: Array(input.utf8)))
        }
        let payloads = [
            "{", "[]", "null", #"{"iss":"mps","sub":"ops"}"#,
            #"{"iss":"mps","sub":"ops","exp":"1900000000"}"#,
            #"{"iss":"mps","sub":"ops","exp":true}"#, #"{"iss":"mps","sub":1,"exp":1900000000}"#,
            #"{"iss":"mps","sub":"ops","exp":1e400}"#,
            #"{"iss":"mps","sub":"ops","exp":1900000000,"deviceId":5}"#,
            #"{"iss":"mps","sub":"ops","exp":1900000000,"nbf":1900000000}"#,
            #"{"iss":"mps","sub":"ops","exp":1900000000,"uid":1.5}"#,
        ]
        for payload in payloads {
            #expect(self.signer.verify(signed(payload), now: epoch) == nil, "\(payload)")
        }
        #expect(
            self.signer.verify(signed(#"{"iss":"mps","sub":"ops","exp":1900000000}"#), now: epoch)
                != nil
        )
        let token = self.signer.issue(self.claims())
        let inputs = [
            "", ".", "..", "a.b.c", token + ".", "." + token,
            token.replacingOccurrences(of: ".", with: ".."),
            token + "=", "é" + token, String(repeating: "A", count: 5000),
            token + String(repeating: "A", count: 4097 - token.utf8.count),
        ]
        for input in inputs { #expect(self.signer.verify(input, now: epoch) == nil) }
        #expect(throws: AuthError.self) {
            try TokenSigner(secret: Array(repeating: 1, count: 31), issuer: "mps")
        }
    }

    /// base64url: round trips, and refuses padding, foreign characters and impossible lengths.
    @Test func base64url() {
        for count in 0..<40 {
            let bytes = (0..<count).map { UInt8(($0 * 37 + 11) % 256) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
        for bad in ["-_8=", "+/8", "A", "AAAAA", "A B", "QR", "QQ=="] {
            #expect(Base64URL.decode(bad) == nil, "\(bad)")
        }
    }
}
