// The server-side handshake state machine: vectors, negotiation (B48), failures, splits.
import Foundation
import Redirection
import Simulator
import Store
import Testing

@Suite struct RedirectionHandshakeTests {
    func machine(_ mode: RedirectionMode = .kvm, password: String = "P@ssw0rd")
        -> RedirectionHandshake
    {
        RedirectionHandshake(
            mode: mode,
            credentials: AMTCredentials(username: "admin", password: password),
            cnonce: "a1b2c3d4e5"
        )
    }

    /// Fed the traced replies in any split, the handshake sends A2, A5, A8 and A10 and hands
    /// over; the bytes after the success reply (in its read, or read later by the relay's
    /// pump) reach the browser intact.
    @Test(arguments: 0..<4)
    func followsTheTracedSequence(replyIndex: Int) {
        let replies = [
            Vectors.startReply, Vectors.digestOnly, Vectors.challenge,
            Vectors.authSuccess + [0x41, 0, 0],
        ]
        for chunks in splits(of: replies[replyIndex]) {
            var m = self.machine()
            #expect(m.start() == .send(Vectors.startKVM))
            var actions: [RedirectionHandshake.Action] = []
            var toBrowser: [UInt8] = []
            for (i, reply) in replies.enumerated() {
                for chunk in (i == replyIndex ? chunks : [reply]) {
                    if m.isFinished {
                        toBrowser += chunk  // the pump's job after hand-over
                    } else {
                        actions += m.received(chunk)
                    }
                }
            }
            guard case .authenticated(let leftover) = actions.last else {
                Issue.record("not authenticated: \(actions)")
                continue
            }
            #expect(
                Array(actions.dropLast()) == [
                    .send(Vectors.authQuery), .send(Vectors.challengeRequest),
                    .send(Vectors.digestAnswer),
                ]
            )
            #expect(leftover + toBrowser == [0x41, 0, 0])
        }
    }

    /// All four replies in one read still produce the four actions, in order.
    @Test func handlesEverythingInOneRead() {
        var m = self.machine()
        _ = m.start()
        let all = Vectors.startReply + Vectors.digestOnly + Vectors.challenge + Vectors.authSuccess
        #expect(m.received(all).count == 4)
    }

    /// B48: digest is chosen from a list that also offers basic; bad digest when only it is
    /// offered; a list without either fails with the offered types.
    @Test func negotiatesTheAuthType() throws {
        var m = self.machine()
        _ = m.start()
        _ = m.received(Vectors.startReply)
        #expect(m.received(Vectors.basicBadDigestDigest) == [.send(Vectors.challengeRequest)])

        var bad = self.machine()
        _ = bad.start()
        _ = bad.received(Vectors.startReply)
        let expected = try RedirectionRequest.challengeRequest(type: .badDigest, username: "admin")
        #expect(bad.received(hexBytes("14 00 00 00 00 01 00 00 00 03")) == [.send(expected)])

        var none = self.machine()
        _ = none.start()
        _ = none.received(Vectors.startReply)
        #expect(
            none.received(hexBytes("14 00 00 00 00 02 00 00 00 01 02")) == [
                .failed(.noSupportedAuthType(offered: [1, 2]))
            ]
        )
    }

    /// A BUSY start reply fails at once instead of looping.
    @Test func failsOnBusy() {
        var m = self.machine()
        _ = m.start()
        #expect(m.received(Vectors.startBusy) == [.failed(.sessionRefused(status: 2))])
        #expect(m.received(Vectors.digestOnly) == [])
    }

    /// A second status 1 (after our real digest) means a wrong password: fail, no retry.
    @Test func failsOnRejectedDigest() {
        var m = self.machine()
        _ = m.start()
        _ = m.received(Vectors.startReply + Vectors.digestOnly + Vectors.challenge)
        #expect(m.received(Vectors.authFailure) == [.failed(.authenticationFailed(status: 1))])
    }

    /// Unexpected messages, malformed challenges, timeouts and closes end the handshake.
    @Test func failsOnProtocolViolationsAndTime() {
        var early = self.machine()
        _ = early.start()
        #expect(
            early.received(Vectors.digestOnly) == [
                .failed(.protocolViolation(.unexpectedMessage(0x14)))
            ]
        )

        var unknown = self.machine()
        _ = unknown.start()
        #expect(
            unknown.received([0x41, 0, 0, 0]) == [
                .failed(.protocolViolation(.unexpectedMessage(0x41)))
            ]
        )

        var malformed = self.machine()
        _ = malformed.start()
        _ = malformed.received(Vectors.startReply + Vectors.digestOnly)
        #expect(
            malformed.received(hexBytes("14 01 00 00 04 02 00 00 00 09 41")) == [
                .failed(.protocolViolation(.malformedChallenge))
            ]
        )

        var slow = self.machine()
        _ = slow.start()
        _ = slow.received(Vectors.startReply)
        #expect(slow.timeout() == .failed(.timeout))
        #expect(slow.timeout() == nil)

        var closed = self.machine()
        _ = closed.start()
        #expect(closed.channelClosed() == .failed(.channelClosed))
    }

    /// Failure descriptions never carry the password.
    @Test func failureTextsHoldNoSecrets() {
        let failures: [RedirectionFailure] = [
            .sessionRefused(status: 2), .noSupportedAuthType(offered: [1]),
            .authenticationFailed(status: 1),
            .protocolViolation(.malformedChallenge), .unusableCredentials, .timeout, .channelClosed,
        ]
        for failure in failures { #expect(!failure.description.contains("P@ssw0rd")) }
        #expect(RedirectionFailure.sessionRefused(status: 2).description.contains("busy"))
    }

    /// Against the simulated device: every mode authenticates with the right password; a wrong
    /// one fails with status 1 and the device counts the failure (strict check).
    @Test(arguments: RedirectionMode.allCases) func authenticatesAgainstSimulatedDevice(
        mode: RedirectionMode
    ) {
        #expect(Self.run(mode, password: "P@ssw0rd").outcome == .authenticated(leftover: []))
        let wrong = Self.run(mode, password: "wrong")
        #expect(wrong.outcome == .failed(.authenticationFailed(status: 1)))
        #expect(wrong.device.failedAuthentications == 1)
        #expect(wrong.device.mode == nil)
    }

    /// A device that offers basic only is not talked into digest (B48), and vice versa.
    @Test func simulatedDeviceOfferingBasicOnlyFails() {
        var config = SimulatedRedirectionEndpoint.Configuration(
            username: "admin",
            password: "P@ssw0rd"
        )
        config.authTypes = [1]
        #expect(
            Self.run(.sol, password: "P@ssw0rd", config: config).outcome
                == .failed(.noSupportedAuthType(offered: [1]))
        )
    }

    static func run(
        _ mode: RedirectionMode,
        password: String,
        config: SimulatedRedirectionEndpoint.Configuration = .init(
            username: "admin",
            password: "P@ssw0rd"
        )
    ) -> (outcome: RedirectionHandshake.Action?, device: SimulatedRedirectionEndpoint) {
        var device = SimulatedRedirectionEndpoint(configuration: config)
        var m = RedirectionHandshake(
            mode: mode,
            credentials: AMTCredentials(username: "admin", password: password)
        )
        var pending = [m.start()]
        for _ in 0..<10 {
            guard let action = pending.first else { break }
            pending.removeFirst()
            guard case .send(let bytes) = action else { return (action, device) }
            let out = device.received(bytes, now: Date(timeIntervalSince1970: 0))
            pending += m.received(out.bytes)
        }
        return (nil, device)
    }
}
