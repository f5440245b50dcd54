// The one-session-per-(device, mode) registry (B43, B44) and its records.
import Foundation
import Redirection
import Synchronization
import Testing

@Suite struct RelaySessionsTests {
    static let guid = "11111111-2222-4333-8444-555555555555"

    final class FakeClock: Sendable {
        let seconds = Mutex<Double>(1000)
        func now() -> Date { Date(timeIntervalSince1970: self.seconds.withLock { $0 }) }
        func advance(_ s: Double) { self.seconds.withLock { $0 += s } }
    }

    /// B43: a second session of the same mode is refused (any GUID case), the first untouched.
    @Test func refusesASecondSessionOfTheSameMode() throws {
        let sessions = RelaySessions()
        let first = try sessions.reserve(
            guid: Self.guid,
            mode: .kvm,
            principal: "alice",
            remoteAddress: "127.0.0.1"
        )
        #expect(throws: RelayEndReason.alreadyActive(.kvm)) {
            try sessions.reserve(
                guid: Self.guid.uppercased(),
                mode: .kvm,
                principal: "bob",
                remoteAddress: "::1"
            )
        }
        #expect(!first.isFinished)
        #expect(sessions.active().map(\.principal) == ["alice"])
    }

    /// B44: KVM, SOL and IDE-R coexist; ending one leaves the others; status shows each.
    @Test func differentModesCoexist() throws {
        let sessions = RelaySessions()
        let kvm = try sessions.reserve(
            guid: Self.guid,
            mode: .kvm,
            principal: "a",
            remoteAddress: "r"
        )
        let ider = try sessions.reserve(
            guid: Self.guid,
            mode: .ider,
            principal: "a",
            remoteAddress: "r"
        )
        #expect(
            sessions.status(guid: Self.guid) == RedirectionStatus(kvm: true, sol: false, ider: true)
        )
        ider.finish(reason: "browser closed the session")
        #expect(sessions.status(guid: Self.guid) == RedirectionStatus(kvm: true))
        #expect(!kvm.isFinished)
        let sol = try sessions.reserve(
            guid: Self.guid,
            mode: .sol,
            principal: "a",
            remoteAddress: "r"
        )
        #expect(
            sessions.status(guid: Self.guid.uppercased()) == RedirectionStatus(kvm: true, sol: true)
        )
        #expect(sessions.status(guid: "other") == RedirectionStatus())
        _ = sol
    }

    /// Finishing releases the slot for a new session; a second finish changes nothing.
    @Test func finishReleasesOnce() throws {
        let clock = FakeClock()
        let sessions = RelaySessions(now: { clock.now() })
        let s = try sessions.reserve(
            guid: Self.guid,
            mode: .sol,
            principal: "alice",
            remoteAddress: "10.0.0.9"
        )
        s.count(toDevice: 10)
        s.count(toBrowser: 250)
        clock.advance(42)
        s.finish(reason: "device closed the session")
        s.finish(reason: "ignored")
        let next = try sessions.reserve(
            guid: Self.guid,
            mode: .sol,
            principal: "bob",
            remoteAddress: "x"
        )
        #expect(next.id != s.id)
        let record = try #require(sessions.history().first)
        #expect(
            record.principal == "alice" && record.remoteAddress == "10.0.0.9" && record.mode == .sol
        )
        #expect(record.bytesToDevice == 10 && record.bytesToBrowser == 250)
        #expect(record.started == Date(timeIntervalSince1970: 1000))
        #expect(record.ended == Date(timeIntervalSince1970: 1042))
        #expect(record.endReason == "device closed the session")
        #expect(s.record == record)
    }

    /// A handle dropped without finish (a forgotten failure path) still frees the slot.
    @Test func droppedHandleReleasesTheSlot() throws {
        let sessions = RelaySessions()
        do {
            _ = try sessions.reserve(
                guid: Self.guid,
                mode: .kvm,
                principal: "a",
                remoteAddress: "r"
            )
        }
        #expect(sessions.status(guid: Self.guid) == RedirectionStatus())
        #expect(sessions.history().last?.endReason == "abandoned")
    }

    /// The history keeps only the most recent ended sessions.
    @Test func historyIsBounded() throws {
        let sessions = RelaySessions(historyLimit: 2)
        for i in 0..<5 {
            let s = try sessions.reserve(
                guid: Self.guid,
                mode: .kvm,
                principal: "p\(i)",
                remoteAddress: "r"
            )
            s.finish(reason: "done")
        }
        #expect(sessions.history().map(\.principal) == ["p3", "p4"])
    }
}
