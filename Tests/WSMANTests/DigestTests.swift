// SPDX-License-Identifier: Apache-2.0

import HTTP
import Testing

@testable import WSMAN

@Suite struct DigestTests {
    /// RFC 2617 §3.5's worked example gives its published response.
    @Test func rfc2617WorkedExample() {
        let c = DigestChallenge(
            realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            opaque: "5ccc069c403ebaf9f0171e9517f40e41")
        var client = DigestClient(challenge: c)
        let h = client.authorization(
            method: "GET", uri: "/dir/index.html", username: "Mufasa",
            password: "Circle Of Life", cnonce: "0a4f113b")
        #expect(h.contains(#"response="6629fae49393a05397450978507c4ef1""#))
        #expect(h.contains("nc=00000001") && h.contains("qop=auth,"))
    }

    /// The AMT test vector of wsman.md §2.3, including the second request's nc.
    @Test func amtVectorAndNonceCount() {
        let c = DigestChallenge(
            realm: "Digest:0123456789ABCDEF0123456789ABCDEF", nonce: "bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX")
        var client = DigestClient(challenge: c)
        let first = client.authorization(
            method: "POST", uri: "/wsman", username: "admin", password: "P@ssw0rd", cnonce: "k3j5x9q")
        #expect(
            first == #"Digest username="admin",realm="Digest:0123456789ABCDEF0123456789ABCDEF","#
                + #"nonce="bQali2IAAAAAAAAAn0xaWCOcxNsRcEHX",uri="/wsman",qop=auth,"#
                + #"response="59ccb13038bb6f974347a4f09c740092",nc=00000001,cnonce="k3j5x9q""#)
        let second = client.authorization(
            method: "POST", uri: "/wsman", username: "admin", password: "P@ssw0rd", cnonce: "p0w8zz1")
        #expect(second.contains(#"response="9e3e4c30686d51688ce3b0e67990237d""#) && second.contains("nc=00000002"))
        #expect(!first.contains("P@ssw0rd"))
    }

    /// Every variant in the fixture and in B18 parses to the same realm and nonce, offers auth.
    @Test func irregularChallengesParse() throws {
        let text = String(decoding: try Fixtures.bytes("HTTP-401-WWW-Authenticate-variants.txt"), as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        for line in lines {
            let c = try #require(DigestChallenge.parse(wwwAuthenticate: line), "\(line)")
            #expect(
                c.realm == "Digest:0123456789ABCDEF0123456789ABCDEF" && c.nonce == "fVNueyEAAAAAAAAAcO8WqJ8s+WdyFUIY")
            #expect(c.qopOffered && !c.stale)
        }
        #expect(DigestChallenge.parse(wwwAuthenticate: lines[0])?.qopOptions == ["auth-int", "auth"])
        let b18 =
            #"Digest realm="Digest:0A1B0000000000000000000000000000", nonce="AbCd+/Ef0123456789==",stale="false",qop="auth-int, auth""#
        #expect(DigestChallenge.parse(wwwAuthenticate: b18)?.nonce == "AbCd+/Ef0123456789==")
        let odd = #"digest realm="a, b",nonce=abc, stale=false ,qop="auth""#
        let c = try #require(DigestChallenge.parse(wwwAuthenticate: odd))
        #expect(c.realm == "a, b" && c.nonce == "abc" && !c.stale)
        #expect(DigestChallenge.parse(wwwAuthenticate: #"Digest realm="r", nonce="n", stale=TRUE"#)?.stale == true)
        #expect(DigestChallenge.parse(wwwAuthenticate: #"Basic realm="r""#) == nil)
        #expect(DigestChallenge.parse(wwwAuthenticate: #"Digest realm="r""#) == nil)
        #expect(DigestChallenge.parse(wwwAuthenticate: #"Digest realm="r", nonce="n", algorithm=SHA-256"#) == nil)
    }

    /// The verifier accepts our client, rejects a reused nc, a wrong password and a wrong uri,
    /// and calls an expired nonce stale.
    @Test func verifierRules() throws {
        let t0 = ContinuousClock.now
        var v = DigestVerifier(realm: "Digest:00", nonceLifetime: .seconds(300))
        let c = try #require(DigestChallenge.parse(wwwAuthenticate: v.challenge(now: t0)))
        #expect(c.nonce.utf8.count == 32)
        var client = DigestClient(challenge: c)
        let h1 = client.authorization(method: "POST", uri: "/wsman", username: "admin", password: "pw")
        #expect(
            v.verify(authorization: h1, method: "POST", uri: "/wsman", username: "admin", password: "pw", now: t0)
                == .authorized)
        #expect(
            v.verify(authorization: h1, method: "POST", uri: "/wsman", username: "admin", password: "pw", now: t0)
                == .denied)
        let h2 = client.authorization(method: "POST", uri: "/wsman", username: "admin", password: "pw")
        #expect(
            v.verify(authorization: h2, method: "POST", uri: "/wsman", username: "admin", password: "bad", now: t0)
                == .denied)
        #expect(
            v.verify(authorization: h2, method: "POST", uri: "/other", username: "admin", password: "pw", now: t0)
                == .denied)
        #expect(
            v.verify(authorization: h2, method: "POST", uri: "/wsman", username: "admin", password: "pw", now: t0)
                == .authorized)
        // The reference's quoted qop/nc form is accepted too.
        let h3 = client.authorization(method: "POST", uri: "/wsman", username: "admin", password: "pw")
            .replacingOccurrences(of: "qop=auth", with: "qop=\"auth\"").replacingOccurrences(
                of: "nc=00000003", with: "nc=\"00000003\"")
        #expect(
            v.verify(authorization: h3, method: "POST", uri: "/wsman", username: "admin", password: "pw", now: t0)
                == .authorized)
        let late = client.authorization(method: "POST", uri: "/wsman", username: "admin", password: "pw")
        #expect(
            v.verify(
                authorization: late, method: "POST", uri: "/wsman", username: "admin", password: "pw",
                now: t0 + .seconds(301)) == .stale)
        #expect(
            v.verify(authorization: nil, method: "POST", uri: "/wsman", username: "admin", password: "pw", now: t0)
                == .denied)
    }
}

/// Drives WSMANCall against a DigestVerifier-backed fake device.
private struct FakeDevice {
    var verifier = DigestVerifier(realm: "Digest:0123456789ABCDEF0123456789ABCDEF", nonceLifetime: .seconds(60))
    var builder = WSMANResponseBuilder()
    var now = ContinuousClock.now
    var requests = 0

    mutating func answer(_ bytes: [UInt8]) throws -> HTTPResponse {
        self.requests += 1
        var p = HTTPRequestParser()
        p.append(bytes)
        let req = try #require(try p.next())
        switch self.verifier.verify(
            authorization: req.headers["Authorization"], method: req.method, uri: req.path,
            username: "admin", password: "P@ssw0rd", now: self.now)
        {
        case .authorized:
            let incoming = try WSMANRequestParser.parse(req.body)
            let xml = self.builder.get(
                resourceURI: incoming.resourceURI, className: "AMT_GeneralSettings",
                properties: [("DigestRealm", .text(self.verifier.realm))], relatesTo: incoming.messageID)
            var rp = HTTPResponseParser()
            rp.append(WSMANResponseBuilder.chunked(xml: xml))
            return try #require(try rp.next())
        case .stale:
            return WSMANResponseBuilder.unauthorized(
                wwwAuthenticate: self.verifier.challenge(now: self.now, stale: true))
        case .denied: return WSMANResponseBuilder.unauthorized(wwwAuthenticate: self.verifier.challenge(now: self.now))
        }
    }
}

@Suite struct WSMANCallTests {
    static let body = WSMANRequest.get(resourceURI: WSMANNamespace.amtBase + "AMT_GeneralSettings", messageID: 0)

    private func run(_ call: inout WSMANCall, _ device: inout FakeDevice) throws -> WSMANCall.Outcome {
        var outcome = call.responseReceived(try device.answer(call.start()))
        while case .send(let bytes) = outcome { outcome = call.responseReceived(try device.answer(bytes)) }
        return outcome
    }

    /// No cache: 401, then an authorised retry; the cached challenge then authorises the next
    /// call in one exchange; after the nonce expires, the stale 401 is retried once.
    @Test func authenticatesCachesAndRetriesStale() throws {
        var device = FakeDevice()
        var call = WSMANCall(body: Self.body, host: "h:16992", credentials: ("admin", "P@ssw0rd"), cachedChallenge: nil)
        guard case .done(let r) = try run(&call, &device) else {
            Issue.record("not done")
            return
        }
        #expect(r.relatesTo == "0" && device.requests == 2 && call.attempts == 2)
        #expect(!call.description.contains("P@ssw0rd"))

        var second = WSMANCall(
            body: Self.body, host: "h:16992", credentials: ("admin", "P@ssw0rd"), cachedChallenge: call.digest)
        guard case .done = try run(&second, &device) else {
            Issue.record("not done")
            return
        }
        #expect(device.requests == 3 && second.digest?.nonceCount == 2)

        device.now = device.now + .seconds(120)
        var third = WSMANCall(
            body: Self.body, host: "h:16992", credentials: ("admin", "P@ssw0rd"), cachedChallenge: second.digest)
        guard case .done = try run(&third, &device) else {
            Issue.record("not done")
            return
        }
        #expect(device.requests == 5 && third.digest?.nonceCount == 1)
    }

    /// Wrong credentials stop after two requests with .unauthorized, cached or not.
    @Test func wrongPasswordGivesUpAfterTwoTries() throws {
        var device = FakeDevice()
        var call = WSMANCall(body: Self.body, host: "h", credentials: ("admin", "nope"), cachedChallenge: nil)
        #expect(try run(&call, &device) == .failed(.unauthorized))
        #expect(device.requests == 2)
        var cached = WSMANCall(body: Self.body, host: "h", credentials: ("admin", "nope"), cachedChallenge: call.digest)
        #expect(try run(&cached, &device) == .failed(.unauthorized))
        #expect(device.requests == 4)
        // The same nonce refused without stale means wrong credentials: no retry at all.
        var d = try #require(call.digest)
        let adopted = d.adopt(d.challenge)
        #expect(!adopted)
    }

    /// B25: a bare 400 without SOAP is an upstream HTTP error carrying the status.
    @Test func bare400IsHTTPError() {
        var call = WSMANCall(body: Self.body, host: "h", credentials: ("admin", "x"), cachedChallenge: nil)
        _ = call.start()
        let outcome = call.responseReceived(HTTPResponse(status: 400, headers: ["Content-Length": "0"]))
        #expect(outcome == .failed(.http(status: 400, body: [])))
    }

    /// A fault with HTTP 400 becomes a typed fault; a 200 with junk is malformed.
    @Test func faultsAndMalformedBodies() {
        var b = WSMANResponseBuilder()
        let xml = b.fault(
            resourceURI: WSMANNamespace.ipsBase + "IPS_AlarmClockOccurrence", subcode: "DestinationUnreachable",
            reason: "No route can be determined to reach the destination role defined by the WSAddressing To.",
            relatesTo: "19")
        var call = WSMANCall(body: Self.body, host: "h", credentials: ("admin", "x"), cachedChallenge: nil)
        _ = call.start()
        let outcome = call.responseReceived(HTTPResponse(status: 400, body: Array(xml.utf8)))
        guard case .failed(let e) = outcome else {
            Issue.record("expected failure")
            return
        }
        #expect(e.isFault("DestinationUnreachable"))
        #expect(
            e
                == .fault(
                    code: "Sender", subcode: "DestinationUnreachable",
                    reason: "No route can be determined to reach the destination role defined by the WSAddressing To.",
                    detail: nil))
        #expect(throws: WSMANError.self) {
            try WSMANResponse.decode(HTTPResponse(status: 200, body: Array("<a><b></a>".utf8)))
        }
    }
}
