// The device-side redirection endpoint: start, auth (B48, strict digest), SOL, IDE-R.
import Foundation
import Simulator
import Testing

/// An endpoint already through authentication, with a fixed nonce so A9/A10 apply.
func authenticatedEndpoint(
    _ start: [UInt8],
    configure: (inout SimulatedRedirectionEndpoint.Configuration) -> Void = { _ in }
) -> (SimulatedRedirectionEndpoint, RedirectionEndpointOutput) {
    var config = SimulatedRedirectionEndpoint.Configuration(username: "admin", password: "P@ssw0rd")
    configure(&config)
    var e = SimulatedRedirectionEndpoint(configuration: config, nonce: { Vectors.nonce })
    let out = e.received(
        start + Vectors.authQuery + Vectors.challengeRequest + Vectors.digestAnswer,
        now: SimulatedEndpointTests.t0
    )
    return (e, out)
}

/// Feeds a client script in the given chunks and returns everything the device sent.
func feed(_ e: inout SimulatedRedirectionEndpoint, _ chunks: [[UInt8]], now: Date)
    -> RedirectionEndpointOutput
{
    var out = RedirectionEndpointOutput()
    for chunk in chunks {
        let o = e.received(chunk, now: now)
        out.bytes += o.bytes
        out.close = out.close || o.close
    }
    return out
}

@Suite struct SimulatedEndpointTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14 22:13:20 UTC

    /// The traced exchange: A4, A6, the A9 challenge for the A8 request, A11 for A10.
    @Test func answersTheTracedAuthentication() {
        let (e, out) = authenticatedEndpoint(Vectors.startKVM)
        #expect(
            out.bytes == Vectors.startReply + Vectors.digestOnly + Vectors.challenge
                + Vectors.authSuccess
        )
        #expect(e.mode == .kvm && !out.close)
    }

    /// BUSY for a taken mode, UNSUPPORTED for a disabled one, TYPE_UNKNOWN for a bad tag.
    @Test func refusesBusyDisabledAndUnknownSessions() {
        var config = SimulatedRedirectionEndpoint.Configuration(username: "admin", password: "x")
        config.busy = [.kvm]
        config.disabled = [.ider]
        var busy = SimulatedRedirectionEndpoint(configuration: config)
        #expect(busy.received(Vectors.startKVM, now: Self.t0).bytes == Vectors.startBusy)
        var disabled = SimulatedRedirectionEndpoint(configuration: config)
        #expect(disabled.received(Vectors.startIDER, now: Self.t0).bytes[1] == 3)
        var unknown = SimulatedRedirectionEndpoint(configuration: config)
        #expect(unknown.received(hexBytes("10 00 00 00 41 42 43 44"), now: Self.t0).bytes[1] == 1)
        var sol = SimulatedRedirectionEndpoint(configuration: config)
        #expect(sol.received(Vectors.startSOL, now: Self.t0).bytes == Vectors.startReply)
    }

    /// B48: any auth type but digest gets a non-zero status; a wrong password gets status 1
    /// and no session; a stale nonce gets a fresh challenge.
    @Test func authenticatesStrictly() throws {
        var config = SimulatedRedirectionEndpoint.Configuration(
            username: "admin",
            password: "other"
        )
        config.busy = []
        var e = SimulatedRedirectionEndpoint(configuration: config, nonce: { Vectors.nonce })
        _ = e.received(Vectors.startSOL, now: Self.t0)
        let basic =
            hexBytes("13 00 00 00 01 0C 00 00 00 05") + ascii("admin") + [5] + ascii("other")
        #expect(e.received(basic, now: Self.t0).bytes == hexBytes("14 02 00 00 01 00 00 00 00"))
        #expect(e.received(Vectors.challengeRequest, now: Self.t0).bytes == Vectors.challenge)
        #expect(e.received(Vectors.digestAnswer, now: Self.t0).bytes == Vectors.authFailure)
        #expect(e.failedAuthentications == 1 && e.mode == nil)
        // The nonce was used up: the same answer again is only worth a new challenge.
        #expect(e.received(Vectors.digestAnswer, now: Self.t0).bytes == Vectors.challenge)
        // Oversized or out-of-order input ends the session.
        var huge = SimulatedRedirectionEndpoint(configuration: config)
        _ = huge.received(Vectors.startSOL, now: Self.t0)
        #expect(huge.received(hexBytes("13 00 00 00 04 00 00 01 00"), now: Self.t0).close)
        var early = SimulatedRedirectionEndpoint(configuration: config)
        #expect(early.received(Vectors.startSOLRedirection, now: Self.t0).close)
    }

    static let solScript =
        Vectors.startSOLRedirection + hexBytes("27 00 00 00 02 00 00 00 00 00 1B 00 00 00")
        + hexBytes("28 00 00 00 03 00 00 00 04 00") + ascii("ver\r")
        + hexBytes("24 00 00 00 09 00 00 00")
        + hexBytes("2B 00 00 00 04 00 00 00") + hexBytes("28 00 00 00 05 00 00 00 06 00")
        + ascii("datx\u{7F}e")
        + hexBytes("28 00 00 00 06 00 00 00 01 00 0D") + hexBytes("22 00 00 00 05 00 00 00")

    /// SOL: 0x21 as A13, controls, the welcome screen, echo and commands, pong, end reply —
    /// and the same bytes whatever the split of the client's input.
    @Test func runsTheSOLConsoleAtAnySplit() throws {
        var reference: [UInt8]?
        for chunks in splits(of: Self.solScript) {
            var (e, _) = authenticatedEndpoint(Vectors.startSOL)
            let out = feed(&e, chunks, now: Self.t0)
            if let reference { #expect(out.bytes == reference) } else { reference = out.bytes }
        }
        var (e, _) = authenticatedEndpoint(Vectors.startSOL)
        let out = e.received(Self.solScript, now: Self.t0).bytes
        #expect(Array(out.prefix(23)) == Vectors.startSOLReply)
        #expect(Array(out[23..<33]) == hexBytes("29 00 00 00 01 00 00 00 03 04"))
        let text = String(decoding: Self.sol2A(out), as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}[2J\u{1B}[H"))
        #expect(text.contains("amt-sim> ver\r\n\(SimulatedSOLConsole.version)\r\n"))
        #expect(text.contains("amt-sim> datx\u{08} \u{08}e\r\n2023-11-14 22:13:20 UTC\r\n"))
        #expect(out.containsSequence(hexBytes("25 00 00 00 09 00 00 00")))
        #expect(Array(out.suffix(8)) == hexBytes("23 00 00 00 05 00 00 00"))
        #expect(e.sol?.console.history == ["ver", "date"])
        #expect(e.sol?.received == ascii("ver\rdatx\u{7F}e\r"))
    }

    /// SOL heartbeats follow the negotiated interval; `exit` and 0x12 end the session.
    @Test func solHeartbeatAndHangUp() {
        var (e, _) = authenticatedEndpoint(Vectors.startSOL)
        var start = Vectors.startSOLRedirection
        start[18] = 0xE8
        start[19] = 0x03  // 1000 ms
        _ = e.received(start, now: Self.t0)
        #expect(e.tick(now: Self.t0.addingTimeInterval(0.5)).bytes.isEmpty)
        let beat = e.tick(now: Self.t0.addingTimeInterval(1.0)).bytes
        #expect(beat.count == 8 && beat[0] == 0x2B)
        let bye = e.received(
            hexBytes("28 00 00 00 03 00 00 00 05 00") + ascii("exit\r"),
            now: Self.t0
        )
        #expect(
            bye.close && String(decoding: Self.sol2A(bye.bytes), as: UTF8.self).contains("Goodbye.")
        )
        #expect(e.isClosed)
        var (other, _) = authenticatedEndpoint(Vectors.startSOL)
        #expect(other.received([0x12, 0, 0, 0], now: Self.t0).close)
    }

    /// IDE-R: OpenSession (A18) answered with a 30-byte 0x41; enabling the drives brings a
    /// TEST UNIT READY, whose completion is counted; ping/pong; close reply then close.
    @Test func runsIDERFraming() throws {
        var (e, _) = authenticatedEndpoint(Vectors.startIDER)
        let open = e.received(
            hexBytes("40 00 00 00 00 00 00 00 30 75 00 00 20 4E 01 00 00 00"),
            now: Self.t0
        )
        try #require(open.bytes.count == 30)
        #expect(open.bytes[0] == 0x41 && open.bytes[8] == 1 && open.bytes[10] == 15)
        #expect(open.bytes[16] == 0x00 && open.bytes[17] == 0x20 && open.bytes[29] == 0)
        let enable = e.received(hexBytes("48 00 00 00 01 00 00 00 03 19 00 00 00"), now: Self.t0)
            .bytes
        try #require(enable.count == 13 + 28)
        #expect(Array(enable.prefix(13)) == hexBytes("49 00 00 00 01 00 00 00 03 19 00 00 00"))
        #expect(enable[13] == 0x50 && enable[13 + 14] == 0xB0)
        #expect(e.ider?.commandsIssued == 1 && e.ider?.features == 0x19)
        _ = e.received(
            [0x51, 0, 0, 2, 2, 0, 0, 0] + [UInt8](repeating: 0, count: 23),
            now: Self.t0
        )
        #expect(e.ider?.commandsCompleted == 1)
        #expect(e.received(hexBytes("44 00 00 00 03 00 00 00"), now: Self.t0).bytes.first == 0x45)
        #expect(e.tick(now: Self.t0.addingTimeInterval(19)).bytes.isEmpty)
        #expect(e.tick(now: Self.t0.addingTimeInterval(20)).bytes.first == 0x4B)
        let close = e.received(hexBytes("42 00 00 00 04 00 00 00"), now: Self.t0)
        #expect(close.close && close.bytes.first == 0x43)
    }

    /// The payloads of every 0x2A in `bytes` (skipping other SOL messages).
    static func sol2A(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case 0x2A:
                let n = Int(bytes[i + 8]) | Int(bytes[i + 9]) << 8
                out += bytes[(i + 10)..<(i + 10 + n)]
                i += 10 + n
            case 0x21: i += 23
            case 0x29: i += 10
            default: i += 8
            }
        }
        return out
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= self.count else { return false }
        return (0...(self.count - needle.count)).contains {
            Array(self[$0..<($0 + needle.count)]) == needle
        }
    }
}
