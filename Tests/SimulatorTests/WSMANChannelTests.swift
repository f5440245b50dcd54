// SPDX-License-Identifier: Apache-2.0

import HTTP
import Simulator
import Testing
import WSMAN

/// One device's WS-MAN service driven with raw channel bytes, and a Digest client for it.
struct WSMANHarness {
    var endpoint: WSMANEndpoint
    var client: DigestClient
    var faults: Set<SimulatedFault> = []
    var now = ContinuousClock.now

    static let cim = WSMANNamespace.cimBase
    static let amt = WSMANNamespace.amtBase

    /// A fresh device whose challenge has been fetched with one unauthenticated request.
    init(password: String = "P@ssw0rd", nonceLifetime: Duration = .seconds(300)) throws {
        let model = DeviceModel(guid: testGUID, hostname: "sim-host")
        self.endpoint = WSMANEndpoint(
            model: model,
            username: "admin",
            password: password,
            nonceLifetime: nonceLifetime
        )
        var channel = WSMANChannel()
        var faults: Set<SimulatedFault> = []
        let outputs = channel.received(
            wsmanPost(
                WSMANRequest.get(resourceURI: Self.amt + "AMT_GeneralSettings", messageID: 0),
                authorization: nil
            ),
            endpoint: &self.endpoint,
            faults: &faults,
            now: self.now
        )
        let response = try #require(try Self.responses(outputs).first)
        let header = try #require(response.headers["WWW-Authenticate"])
        self.client = DigestClient(challenge: try #require(DigestChallenge.parse(wwwAuthenticate: header)))
    }

    /// An authorized POST /wsman carrying `envelope`.
    mutating func request(_ envelope: String, user: String = "admin", password: String = "P@ssw0rd")
        -> [UInt8]
    {
        let auth = self.client.authorization(
            method: "POST",
            uri: "/wsman",
            username: user,
            password: password
        )
        return wsmanPost(envelope, authorization: auth)
    }

    /// Feeds `bytes` to a new channel in the given pieces.
    mutating func feed(_ bytes: [UInt8], splits: [Int] = []) -> [WSMANChannel.Output] {
        var channel = WSMANChannel()
        var outputs: [WSMANChannel.Output] = []
        var start = 0
        for end in splits + [bytes.count] where end >= start {
            outputs += channel.received(
                Array(bytes[start..<end]),
                endpoint: &self.endpoint,
                faults: &self.faults,
                now: self.now
            )
            start = end
        }
        return outputs
    }

    static func responses(_ outputs: [WSMANChannel.Output]) throws -> [HTTPResponse] {
        var parser = HTTPResponseParser()
        for case .send(let bytes, _) in outputs { parser.append(bytes) }
        var all: [HTTPResponse] = []
        while let r = try parser.next() { all.append(r) }
        return all
    }

    static func closes(_ outputs: [WSMANChannel.Output]) -> Bool {
        outputs.contains { if case .close = $0 { true } else { false } }
    }

    static func bytes(_ outputs: [WSMANChannel.Output]) -> [UInt8] {
        outputs.flatMap { output -> [UInt8] in
            if case .send(let bytes, _) = output { return bytes }
            return Array("<close>".utf8)
        }
    }
}

@Suite struct WSMANChannelTests {
    let uri = WSMANHarness.cim + "CIM_ServiceAvailableToElement"

    /// Without credentials: 401 in AMT's form, `Connection: close`, an HTML body, then close.
    @Test func unauthenticatedRequestGetsChallengeAndClose() throws {
        var h = try WSMANHarness()
        let outputs = h.feed(
            wsmanPost(WSMANRequest.enumerate(resourceURI: self.uri, messageID: 1), authorization: nil)
        )
        let r = try #require(try WSMANHarness.responses(outputs).first)
        #expect(r.status == 401)
        #expect(r.headers["Connection"] == "close")
        #expect(r.headers["Content-Type"] == "text/html")
        #expect(r.headers["Server"] == "Intel(R) Active Management Technology 16.1.25.2049")
        #expect(r.bodyText.hasSuffix("</html>"))
        let challenge = try #require(r.headers["WWW-Authenticate"])
        let parsed = try #require(DigestChallenge.parse(wwwAuthenticate: challenge))
        #expect(parsed.realm == h.endpoint.model.digestRealm)
        #expect(parsed.nonce.count == 32)
        #expect(parsed.nonce != h.client.challenge.nonce)  // fresh nonce every time
        #expect(!parsed.stale)
        #expect(WSMANHarness.closes(outputs))
    }

    /// Enumerate + Pull of the power state, fed whole, one byte at a time, and at every split
    /// point: the replies are byte-identical and carry PowerState 2 and the request MessageIDs.
    @Test func powerStateEnumeratePullAtEverySplit() throws {
        var h = try WSMANHarness()
        let stream =
            h.request(WSMANRequest.enumerate(resourceURI: self.uri, messageID: 41))
            + h.request(
                WSMANRequest.pull(
                    resourceURI: self.uri,
                    context: "01000000-0000-0000-0000-000000000000",
                    messageID: 42
                )
            )
        var whole = h
        let expected = whole.feed(stream)
        let responses = try WSMANHarness.responses(expected)
        #expect(responses.map(\.status) == [200, 200])
        let enumerate = try WSMANResponse.decode(responses[0])
        #expect(enumerate.relatesTo == "41")
        #expect(enumerate.enumerationContext == "01000000-0000-0000-0000-000000000000")
        let pull = try WSMANResponse.decode(responses[1])
        #expect(pull.relatesTo == "42")
        #expect(pull.items.first?.child("PowerState")?.text == "2")
        #expect(pull.items.first?.child("OSPowerSavingState")?.text == "2")
        #expect(pull.endOfSequence)
        let expectedBytes = WSMANHarness.bytes(expected)

        var byteAtATime = h
        #expect(
            WSMANHarness.bytes(byteAtATime.feed(stream, splits: Array(1..<stream.count))) == expectedBytes
        )
        for split in 1..<stream.count {
            var copy = h
            #expect(
                WSMANHarness.bytes(copy.feed(stream, splits: [split])) == expectedBytes,
                "split at \(split)"
            )
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var copy = h
            let splits = (0..<8).map { _ in Int.random(in: 1..<stream.count, using: &rng) }.sorted()
            #expect(
                WSMANHarness.bytes(copy.feed(stream, splits: splits)) == expectedBytes,
                "splits \(splits)"
            )
        }
    }

    /// AMT framing: chunked, 4-digit uppercase hex sizes, the first chunk 0x220.
    @Test func responsesAreChunkedLikeAMT() throws {
        var h = try WSMANHarness()
        let outputs = h.feed(
            h.request(WSMANRequest.get(resourceURI: WSMANHarness.amt + "AMT_GeneralSettings", messageID: 3))
        )
        guard case .send(let bytes, 200)? = outputs.first else {
            Issue.record("no 200")
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("Transfer-Encoding: chunked\r\n\r\n0220\r\n"))
        #expect(text.hasSuffix("\r\n0\r\n\r\n"))
        let r = try WSMANResponse.decode(try #require(try WSMANHarness.responses(outputs).first))
        #expect(r.payload?.child("HostName")?.text == "sim-host")
        #expect(r.payload?.child("DigestRealm")?.text == h.endpoint.model.digestRealm)
        #expect(r.relatesTo == "3")
        #expect(!WSMANHarness.closes(outputs))
    }

    /// A replayed nc, a lower nc, a wrong password and a wrong user are all refused with 401.
    @Test func badCredentialsAndReplaysAreRefused() throws {
        var h = try WSMANHarness()
        let get = WSMANRequest.get(resourceURI: WSMANHarness.amt + "AMT_GeneralSettings", messageID: 1)
        let first = h.request(get)
        let second = h.request(get)
        #expect(try WSMANHarness.responses(h.feed(second)).map(\.status) == [200])
        #expect(try WSMANHarness.responses(h.feed(second)).map(\.status) == [401])  // same nc
        #expect(try WSMANHarness.responses(h.feed(first)).map(\.status) == [401])  // lower nc
        let wrongPassword = h.request(get, password: "wrong")
        let out = h.feed(wrongPassword)
        #expect(try WSMANHarness.responses(out).map(\.status) == [401])
        #expect(WSMANHarness.closes(out))
        #expect(try WSMANHarness.responses(h.feed(h.request(get, user: "root"))).map(\.status) == [401])
        // The nonce still works for a correct, newer request.
        #expect(try WSMANHarness.responses(h.feed(h.request(get))).map(\.status) == [200])
    }

    /// A nonce past its lifetime gets 401 with stale="true"; the new nonce then works.
    @Test func expiredNonceIsStale() throws {
        var h = try WSMANHarness(nonceLifetime: .seconds(300))
        let get = WSMANRequest.get(resourceURI: WSMANHarness.amt + "AMT_GeneralSettings", messageID: 1)
        h.now += .seconds(301)
        let r = try #require(try WSMANHarness.responses(h.feed(h.request(get))).first)
        #expect(r.status == 401)
        let challenge = try #require(
            DigestChallenge.parse(wwwAuthenticate: r.headers["WWW-Authenticate"] ?? "")
        )
        #expect(challenge.stale)
        let adopted = h.client.adopt(challenge)
        #expect(adopted)
        #expect(try WSMANHarness.responses(h.feed(h.request(get))).map(\.status) == [200])
    }

    /// Unknown class, unknown action and an unknown context give SOAP faults with HTTP 400.
    @Test func faultsForUnknownThings() throws {
        var h = try WSMANHarness()
        func fault(_ envelope: String) throws -> (Int, String?) {
            let r = try #require(try WSMANHarness.responses(h.feed(h.request(envelope))).first)
            return (r.status, try WSMANResponse(xml: r.body).fault.map { "\($0)" })
        }
        let (s1, f1) = try fault(
            WSMANRequest.get(resourceURI: WSMANHarness.cim + "CIM_Nothing", messageID: 1)
        )
        #expect(s1 == 400)
        #expect(f1?.contains("DestinationUnreachable") == true)
        let (s2, f2) = try fault(
            WSMANRequest.get(resourceURI: WSMANHarness.cim + "CIM_SoftwareIdentity", messageID: 2)
        )
        #expect(s2 == 400)
        #expect(f2?.contains("ActionNotSupported") == true)
        let (s3, f3) = try fault(
            WSMANRequest.pull(
                resourceURI: self.uri,
                context: "99000000-0000-0000-0000-000000000000",
                messageID: 3
            )
        )
        #expect(s3 == 400)
        #expect(f3?.contains("InvalidEnumerationContext") == true)
    }

    /// CIM_SoftwareIdentity pages by MaxElements; the context dies after the final page.
    @Test func softwareIdentityPaging() throws {
        var h = try WSMANHarness()
        let sw = WSMANHarness.cim + "CIM_SoftwareIdentity"
        let e = try WSMANResponse.decode(
            try WSMANHarness.responses(
                h.feed(h.request(WSMANRequest.enumerate(resourceURI: sw, messageID: 1)))
            )[0]
        )
        let context = try #require(e.enumerationContext)
        var ids: [String] = []
        var ends: [Bool] = []
        for id in 2...4 {
            let pull = WSMANRequest.pull(resourceURI: sw, context: context, maxElements: 4, messageID: id)
            let r = try WSMANResponse.decode(try WSMANHarness.responses(h.feed(h.request(pull)))[0])
            ids += r.items.compactMap { $0.child("InstanceID")?.text }
            ends.append(r.endOfSequence)
        }
        #expect(ids.count == 11)
        #expect(ids.first == "Flash" && ids.last == "AMT FW Core Version")
        #expect(ends == [false, false, true])
        let again = WSMANRequest.pull(resourceURI: sw, context: context, messageID: 5)
        #expect(try WSMANHarness.responses(h.feed(h.request(again))).map(\.status) == [400])
    }

    /// RequestPowerStateChange(8) powers off; the next Pull reports 8 without OSPowerSavingState.
    @Test func powerOffThroughWSMAN() throws {
        var h = try WSMANHarness()
        let pms = WSMANHarness.cim + "CIM_PowerManagementService"
        let input = WSMANRequest.input(
            method: "RequestPowerStateChange",
            resourceURI: pms,
            arguments: [("PowerState", .text("8"))]
        )
        let call = WSMANRequest.invoke(
            resourceURI: pms,
            method: "RequestPowerStateChange",
            arguments: input,
            messageID: 9
        )
        let r = try WSMANResponse.decode(try WSMANHarness.responses(h.feed(h.request(call)))[0])
        #expect(r.action == pms + "/RequestPowerStateChangeResponse")
        #expect(r.payload?.child("ReturnValue")?.text == "0")
        #expect(h.endpoint.model.powerState == 8)
        let stream =
            h.request(WSMANRequest.enumerate(resourceURI: self.uri, messageID: 10))
            + h.request(
                WSMANRequest.pull(
                    resourceURI: self.uri,
                    context: "01000000-0000-0000-0000-000000000000",
                    messageID: 11
                )
            )
        let pull = try WSMANResponse.decode(try WSMANHarness.responses(h.feed(stream))[1])
        #expect(pull.items.first?.child("PowerState")?.text == "8")
        #expect(pull.items.first?.child("OSPowerSavingState") == nil)
        // A power cycle is not allowed while off.
        let cycleInput = WSMANRequest.input(
            method: "RequestPowerStateChange",
            resourceURI: pms,
            arguments: [("PowerState", .text("5"))]
        )
        let cycle = WSMANRequest.invoke(
            resourceURI: pms,
            method: "RequestPowerStateChange",
            arguments: cycleInput,
            messageID: 12
        )
        let refused = try WSMANResponse.decode(try WSMANHarness.responses(h.feed(h.request(cycle)))[0])
        #expect(refused.payload?.child("ReturnValue")?.text == "2")
    }

    /// B25: `.httpStatus(400)` answers the next authorized request bare, once; 401s do not use it.
    @Test func httpStatusFaultIsOneShot() throws {
        var h = try WSMANHarness()
        h.faults = [.httpStatus(400)]
        let get = WSMANRequest.get(resourceURI: WSMANHarness.amt + "AMT_GeneralSettings", messageID: 1)
        #expect(try WSMANHarness.responses(h.feed(wsmanPost(get, authorization: nil))).map(\.status) == [401])
        #expect(h.faults == [.httpStatus(400)])
        let out = h.feed(h.request(get))
        let r = try #require(try WSMANHarness.responses(out).first)
        #expect(r.status == 400)
        #expect(r.headers["Content-Length"] == "0")
        #expect(r.body.isEmpty)
        #expect(!WSMANHarness.closes(out))
        #expect(h.faults.isEmpty)
        #expect(try WSMANHarness.responses(h.feed(h.request(get))).map(\.status) == [200])
    }

    /// B27 and B22 switches: stalled requests get no reply; OSPowerSavingState can be omitted.
    @Test func stallAndOmitFaults() throws {
        var h = try WSMANHarness()
        h.faults = [.stallHTTP]
        #expect(h.feed(h.request(WSMANRequest.enumerate(resourceURI: self.uri, messageID: 1))).isEmpty)
        h.faults = [.omitOSPowerSavingState]
        let stream =
            h.request(WSMANRequest.enumerate(resourceURI: self.uri, messageID: 2))
            + h.request(
                WSMANRequest.pull(
                    resourceURI: self.uri,
                    context: "01000000-0000-0000-0000-000000000000",
                    messageID: 3
                )
            )
        let pull = try WSMANResponse.decode(try WSMANHarness.responses(h.feed(stream))[1])
        #expect(pull.items.first?.child("PowerState")?.text == "2")
        #expect(pull.items.first?.child("OSPowerSavingState") == nil)
    }

    /// Bytes that are not HTTP get 400 and a close; nothing after them is read.
    @Test func garbageClosesTheChannel() throws {
        var h = try WSMANHarness()
        let out = h.feed(
            Array("HELLO\n\n".utf8) + h.request(WSMANRequest.enumerate(resourceURI: self.uri, messageID: 1))
        )
        #expect(try WSMANHarness.responses(out).map(\.status) == [400])
        #expect(WSMANHarness.closes(out))
    }

    /// A chunked request body (as MPS v1 sent) is accepted like a Content-Length one.
    @Test func chunkedRequestBodyIsAccepted() throws {
        var h = try WSMANHarness()
        let envelope = Array(
            WSMANRequest.get(resourceURI: WSMANHarness.amt + "AMT_GeneralSettings", messageID: 5).utf8
        )
        let auth = h.client.authorization(
            method: "POST",
            uri: "/wsman",
            username: "admin",
            password: "P@ssw0rd"
        )
        let head =
            "POST /wsman HTTP/1.1\r\nAuthorization: \(auth)\r\nHost: x:16992\r\nTransfer-Encoding: chunked\r\n\r\n"
        let size = String(envelope.count, radix: 16, uppercase: true)
        let bytes = Array(head.utf8) + Array("\(size)\r\n".utf8) + envelope + Array("\r\n0\r\n\r\n".utf8)
        let r = try WSMANResponse.decode(
            try WSMANHarness.responses(h.feed(bytes, splits: [bytes.count - 2]))[0]
        )
        #expect(r.relatesTo == "5")
    }
}
