import Foundation
import Simulator
import Testing

/// WS-MAN channels kept open between exchanges (wsman.md §2.5), and the fallbacks a real
/// device needs: one that closes every channel after its answer, and nonces that go stale.
@Suite(.serialized) struct WSMANKeepAliveEndToEndTests {
    private static let p = "/api/v1/amt"

    /// Several REST calls, each an Enumerate and a Pull, ride one channel.
    @Test func callsShareOneKeptChannel() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "c0a10000-2222-4333-8444-555555555501"
        let fleet = t.fleet([try await t.register(guid)])
        let handle = try #require(fleet.device(guid))
        #expect(await t.reachable(fleet, guid))
        for _ in 0..<5 {
            let r = try await t.client.get("\(Self.p)/power/state/\(guid)")
            #expect(r.object["powerstate"] as? Int == 2, "\(r.status) \(r.text)")
        }
        let off = try await t.client.request("POST", "\(Self.p)/power/action/\(guid)", json: ["action": 8])
        #expect((off.object["Body"] as? [String: Any])?["ReturnValue"] as? Int == 0)
        #expect(try await t.client.get("\(Self.p)/power/state/\(guid)").object["powerstate"] as? Int == 8)
        // 10 + 3 + 2 requests and the first 401, which closes its channel; the rest share one.
        #expect(handle.requestsServed == 16)
        #expect(handle.status.channelsOpened == 2)
        #expect(handle.status.unauthorizedResponses == 1)
        await fleet.stop()
        await t.stop()
    }

    /// A device that closes each channel after answering still gets every call, writes
    /// included, each exactly once.
    @Test func deviceWithoutKeepAliveStillAnswers() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "c0a10000-2222-4333-8444-555555555502"
        var device = try await t.register(guid)
        device.faults = [.closeAfterReply]
        let fleet = t.fleet([device])
        let handle = try #require(fleet.device(guid))
        #expect(await t.reachable(fleet, guid))
        for _ in 0..<4 {
            #expect(try await t.client.get("\(Self.p)/power/state/\(guid)").status == 200)
        }
        let off = try await t.client.request("POST", "\(Self.p)/power/action/\(guid)", json: ["action": 8])
        #expect(off.status == 200)
        #expect((off.object["Body"] as? [String: Any])?["ReturnValue"] as? Int == 0)
        #expect(handle.powerState == 8)
        #expect(try await t.client.get("\(Self.p)/power/state/\(guid)").object["powerstate"] as? Int == 8)
        // 8 + 3 + 2 requests, each answered once, and the first 401.
        #expect(handle.requestsServed == 14)
        #expect(handle.status.unauthorizedResponses == 1)
        await fleet.stop()
        await t.stop()
    }

    /// A nonce that goes stale while its channel is kept: the stale 401 closes that channel
    /// and the call is retried once on a new channel with the new nonce. The nonce is used up
    /// by count (each power-state call is an Enumerate and a Pull), not by time, so a slow
    /// machine cannot make the retry itself stale.
    @Test func staleNonceOnAKeptChannelIsRetried() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let guid = "c0a10000-2222-4333-8444-555555555503"
        var device = try await t.register(guid)
        device.nonceMaxUses = 2
        let fleet = t.fleet([device])
        let handle = try #require(fleet.device(guid))
        #expect(await t.reachable(fleet, guid))
        for _ in 0..<3 {
            let r = try await t.client.get("\(Self.p)/power/state/\(guid)")
            #expect(r.status == 200, "\(r.object)")
            #expect(r.object["powerstate"] as? Int == 2)
        }
        // The first 401 is the unauthenticated first request; the next two are stale nonces.
        #expect(handle.status.unauthorizedResponses == 3)
        // Each 401 closes its channel, so the nine requests rode four: the first 401; a call
        // and the next stale Enumerate; the retry, its Pull and the last stale one; the retry.
        #expect(handle.requestsServed == 9)
        #expect(handle.status.channelsOpened == 4)
        await fleet.stop()
        await t.stop()
    }
}
