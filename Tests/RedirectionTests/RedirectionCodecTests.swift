// Codecs and the resumable decoder against the redirection.md appendix vectors.
import Redirection
import Testing

@Suite struct RedirectionCodecTests {
    /// Each mode's StartRedirectionSession is the appendix A1–A3 bytes.
    @Test func startMessagesMatchVectors() {
        #expect(RedirectionMode.sol.startMessage == Vectors.startSOL)
        #expect(RedirectionMode.kvm.startMessage == Vectors.startKVM)
        #expect(RedirectionMode.ider.startMessage == Vectors.startIDER)
        #expect(RedirectionMode(tag: ascii("KVMR")) == .kvm)
        #expect(RedirectionMode(tag: ascii("QQQQ")) == nil)
        #expect(RedirectionMode(query: "SOL") == .sol)
    }

    /// The query and the challenge-seeking digest are A5 and A8 byte for byte.
    @Test func authRequestsMatchVectors() throws {
        #expect(RedirectionRequest.authQuery == Vectors.authQuery)
        #expect(
            try RedirectionRequest.challengeRequest(type: .digest, username: "admin")
                == Vectors.challengeRequest
        )
        let bad = try RedirectionRequest.challengeRequest(type: .badDigest, username: "admin")
        #expect(
            bad == hexBytes("13 00 00 00 03 1F 00 00 00") + Array(Vectors.challengeRequest[9..<40])
        )
    }

    /// The digest answer to A9 with cnonce a1b2c3d4e5 is A10, and the cross-check hashes hold.
    @Test func digestMatchesVectors() throws {
        let challenge = DigestChallenge(realm: Vectors.realm, nonce: Vectors.nonce, qop: "auth")
        let request = try RedirectionDigest.request(
            type: .digest,
            credentials: Vectors.credentials,
            challenge: challenge,
            cnonce: "a1b2c3d4e5",
            nc: "00000001"
        )
        #expect(request == Vectors.digestAnswer)
        func response(_ cnonce: String, _ nc: String) -> String {
            RedirectionDigest.response(
                type: .digest,
                credentials: Vectors.credentials,
                challenge: challenge,
                cnonce: cnonce,
                nc: nc
            )
        }
        #expect(response("a1b2c3d4e5", "00000001") == "9cd3f333fa6e8d7ad93d1b66cff70bf8")
        #expect(response("a1b2c3d4e5", "1") == "68a1b50140f4a724eca8f3e95c74e688")
        #expect(
            response("0123456789abcdef0123456789abcdef", "00000002")
                == "e336978c438213353d7c422faf973570"
        )
    }

    /// A username longer than a length byte can carry is refused, not truncated.
    @Test func overlongUsernameIsRefused() {
        #expect(throws: RedirectionError.fieldTooLong) {
            try RedirectionRequest.challengeRequest(
                type: .digest,
                username: String(repeating: "u", count: 256)
            )
        }
    }

    static let stream =
        Vectors.startReply + Vectors.digestOnly + Vectors.challenge
        + Vectors.authSuccess + [0xAB, 0xCD]

    /// The device's replies decode the same whole, byte by byte and at random splits, and
    /// the bytes after the last reply stay in the decoder.
    @Test(arguments: splits(of: stream)) func decodesRepliesAtAnySplit(chunks: [[UInt8]]) throws {
        var decoder = RedirectionDecoder()
        var messages: [RedirectionMessage] = []
        for chunk in chunks {
            decoder.append(chunk)
            while messages.count < 4, let message = try decoder.next() { messages.append(message) }
        }
        try #require(messages.count == 4)
        #expect(
            messages[0]
                == .startReply(
                    StartRedirectionReply(
                        status: 0,
                        versionBytes: hexBytes("01 00 0F 00 57 01 00 00")
                    )
                )
        )
        #expect(
            messages[1] == .authReply(AuthenticateSessionReply(status: 0, authType: 0, data: [4]))
        )
        guard case .authReply(let challenge) = messages[2] else {
            Issue.record("no challenge")
            return
        }
        #expect(challenge.status == 1 && challenge.authType == 4)
        #expect(
            try challenge.challenge()
                == DigestChallenge(realm: Vectors.realm, nonce: Vectors.nonce, qop: "auth")
        )
        #expect(messages[3] == .authReply(AuthenticateSessionReply(status: 0, authType: 4)))
        #expect(decoder.takeRemaining() == [0xAB, 0xCD])
    }

    /// A refusal needs only its first four bytes; OEM data is read when announced.
    @Test func decodesBusyAndOEMData() throws {
        var decoder = RedirectionDecoder()
        decoder.append(Vectors.startBusy.prefix(4))
        #expect(try decoder.next() == .startReply(StartRedirectionReply(status: 2)))
        var oem = RedirectionDecoder()
        oem.append(hexBytes("11 00 00 00 01 00 0F 00 57 01 00 00 02 AA"))
        #expect(try oem.next() == nil)
        oem.append([0xBB])
        #expect(
            try oem.next()
                == .startReply(
                    StartRedirectionReply(
                        status: 0,
                        versionBytes: hexBytes("01 00 0F 00 57 01 00 00"),
                        oemData: [0xAA, 0xBB]
                    )
                )
        )
    }

    /// Unknown leading bytes, oversized replies and bad challenges are errors, never a stall.
    @Test func rejectsBadInput() throws {
        var unknown = RedirectionDecoder()
        unknown.append([0x41, 0, 0, 0])
        #expect(throws: RedirectionError.unexpectedMessage(0x41)) { try unknown.next() }
        var huge = RedirectionDecoder()
        huge.append(hexBytes("14 01 00 00 04 01 10 00 00"))
        #expect(throws: RedirectionError.messageTooLarge(4097)) { try huge.next() }
        let bad = AuthenticateSessionReply(status: 1, authType: 4, data: [5, 0x41, 0x42])
        #expect(throws: RedirectionError.malformedChallenge) { try bad.challenge() }
        let noQop = AuthenticateSessionReply(status: 1, authType: 4, data: [1, 0x41, 1, 0x42])
        #expect(throws: RedirectionError.malformedChallenge) { try noQop.challenge() }
        let badDigest = AuthenticateSessionReply(status: 1, authType: 3, data: [1, 0x41, 1, 0x42])
        #expect(try badDigest.challenge() == DigestChallenge(realm: "A", nonce: "B", qop: ""))
    }
}
