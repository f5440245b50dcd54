import Auth
import Crypto
import Foundation
import Redirection
import Simulator
import Testing
import TestSupport
import Web

/// The KVM/SOL/IDE-R relay over the real server and simulated devices on loopback (issue 5;
/// field faults B33, B43, B44, B46, B47, B48). Tokens are the Auth module's redirection tokens,
/// checked by the injected relay authenticator.
@Suite(.serialized) struct RelayEndToEndTests {
    static let signer = try! TokenSigner(secret: [UInt8](repeating: 0x5A, count: 32), issuer: "relay-test")

    /// Accepts a valid redirection token for exactly the URL's device.
    static let authenticator: RelayAuthenticator = { context in
        guard let request = try? RelayRequest.parse(context), let token = request.subprotocol,
            let claims = signer.verify(token, now: Date()), claims.deviceID == request.guid
        else { return nil }
        return RelayPrincipal(name: claims.subject, device: claims.deviceID)
    }

    static func token(_ guid: String, subject: String = "alice") -> String {
        signer.issue(TokenClaims(
            subject: subject, deviceID: guid, expiresAt: Date().addingTimeInterval(300),
            issuer: "relay-test"))
    }

    static func path(_ guid: String, _ mode: String) -> String {
        "/relay/webrelay.ashx?p=2&host=\(guid)&port=16994&tls=0&mode=\(mode)"
    }

    static func open(_ t: TestServer, _ guid: String, _ mode: String, token: String? = nil)
        async throws -> RelayTestClient
    {
        let headers = (token ?? Self.token(guid)).isEmpty ? [] : [("Sec-WebSocket-Protocol", token ?? Self.token(guid))]
        return try await RelayTestClient.open(t, path: Self.path(guid, mode), headers: headers)
    }

    /// Starts a server and one connected device (configured by `tweak`).
    static func setUp(_ guid: String, _ tweak: (inout SimulatedDevice) -> Void = { _ in })
        async throws -> (TestServer, SimulatedFleet, SimulatedDeviceHandle)
    {
        let t = try await TestServer.start(relayAuthenticator: Self.authenticator)
        var device = try await t.register(guid)
        tweak(&device)
        let fleet = t.fleet([device])
        let handle = try #require(fleet.device(guid))
        try #require(await t.reachable(fleet, guid))
        return (t, fleet, handle)
    }

    static let kvmStart: [UInt8] = [0x40, 0, 0, 0, 0, 0, 0, 0]
    static let solStart: [UInt8] = [
        0x20, 0, 0, 0, 1, 0, 0, 0, 0x10, 0x27, 0x64, 0, 0, 0, 0x10, 0x27, 0x64, 0, 0, 0, 0, 0, 0, 0,
    ]

    func redirectStatus(_ t: TestServer, _ guid: String) async throws -> [String: Bool] {
        let r = try await t.client.get("/api/v1/devices/redirectstatus/\(guid)")
        return (r.object as? [String: Bool]) ?? [:]
    }

    /// B43/B44/B48: KVM and SOL run side by side on one device after the server's own digest
    /// handshake (the device offers digest only); a second KVM gets 409 and the first keeps
    /// working; WS-MAN still answers; redirectstatus and the history tell who had what.
    @Test func kvmAndSolCoexistAndDuplicatesAreRefused() async throws {
        let guid = "e5000001-2222-4333-8444-555555555555"
        let (t, fleet, handle) = try await Self.setUp(guid)
        defer { t.cleanup() }
        let token = Self.token(guid)
        let kvm = try await Self.open(t, guid, "kvm", token: token)
        #expect(kvm.status == 101)
        #expect(kvm.header("Sec-WebSocket-Protocol") == token)
        kvm.send(Self.kvmStart)
        try #require(await kvm.waitFor(20))
        #expect(Array(kvm.received.prefix(20)) == Self.kvmStart.map { $0 == 0x40 ? 0x41 : $0 }
            + Array("RFB 003.008\n".utf8))

        let second = try await Self.open(t, guid, "kvm")
        #expect(second.status == 409)

        let sol = try await Self.open(t, guid, "sol", token: Self.token(guid, subject: "bob"))
        #expect(sol.status == 101)
        sol.send(Self.solStart)
        try #require(await sol.waitFor(23))
        #expect(sol.received.first == 0x21 && sol.received[1] == 0)
        sol.send([0x28, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0x6C, 0x73, 0x0D])
        #expect(await eventually { handle.status.solReceived == Array("ls\r".utf8) })
        #expect(handle.status.redirectionSessions == 2)

        let power = try await t.client.get("/api/v1/amt/power/state/\(guid)")
        #expect(power.status == 200)
        #expect(try await self.redirectStatus(t, guid)
            == ["isKVMConnected": true, "isSOLConnected": true, "isIDERConnected": false])

        // The first KVM still streams RFB: the security list follows our version reply.
        kvm.send(Array("RFB 003.008\n".utf8))
        try #require(await kvm.waitFor(23))
        #expect(Array(kvm.received[20..<23]) == [2, 1, 0x80])

        kvm.close()
        #expect(await eventually { t.server.relaySessions.status(guid: guid).kvm == false })
        #expect(t.server.relaySessions.status(guid: guid).sol)
        let ended = try #require(t.server.relaySessions.history().last)
        #expect(ended.principal == "alice" && ended.mode == .kvm && ended.bytesToDevice == 20)
        #expect(ended.endReason == "browser closed the session")
        let again = try await Self.open(t, guid, "kvm")
        #expect(again.status == 101)
        again.close()
        sol.close()
        await fleet.stop()
        await t.stop()
    }

    /// B33: no token, a malformed one, or one for another device → 401 and the device sees
    /// no CHANNEL_OPEN; the device must be connected (404).
    @Test func unauthenticatedRelaysOpenNoChannel() async throws {
        let guid = "e5000002-2222-4333-8444-555555555555"
        let (t, fleet, handle) = try await Self.setUp(guid)
        defer { t.cleanup() }
        let before = handle.status.channelsOpened
        let none = try await Self.open(t, guid, "kvm", token: "")
        #expect(none.status == 401)
        let garbage = try await Self.open(t, guid, "kvm", token: "abc.def.ghi")
        #expect(garbage.status == 401)
        let other = try await Self.open(t, guid, "kvm", token: Self.token("e5000099-2222-4333-8444-555555555555"))
        #expect(other.status == 401)
        let badMode = try await Self.open(t, guid, "vnc")
        #expect(badMode.status == 400)
        try await Task.sleep(for: .milliseconds(200))
        #expect(handle.status.channelsOpened == before)
        #expect(t.server.relaySessions.active().isEmpty)
        let offline = "e5000098-2222-4333-8444-555555555555"
        let missing = try await Self.open(t, offline, "kvm")
        #expect(missing.status == 404)
        await fleet.stop()
        await t.stop()
    }

    /// B46 and backpressure: a device streaming 16 MiB to a browser that stops reading is held
    /// back (the server has relayed far less than the stream while paused); once reading
    /// resumes every byte arrives intact; the device's CHANNEL_CLOSE then closes the socket
    /// with 4100 within 1 s and the slot is free again; a dropped tunnel gives 4101.
    @Test func slowBrowserAndDeviceClose() async throws {
        let guid = "e5000003-2222-4333-8444-555555555555"
        let total = 16 << 20
        let (t, fleet, handle) = try await Self.setUp(guid) { $0.kvmStreamBytes = total }
        defer { t.cleanup() }
        let kvm = try await Self.open(t, guid, "kvm")
        try #require(kvm.status == 101)
        kvm.setReading(false)
        kvm.send(Self.kvmStart)
        @Sendable func relayed() -> Int { Int(t.server.relaySessions.active(guid: guid).first?.bytesToBrowser ?? 0) }
        #expect(await eventually { relayed() > 0 }, "the stream starts")
        // Time for a relay that ignored backpressure to run far ahead of the paused browser.
        try await Task.sleep(for: .seconds(1))
        #expect(relayed() < 10 << 20, "relayed \(relayed()) of \(total) while paused")
        kvm.setReading(true)
        try #require(await kvm.waitFor(8 + total, timeout: .seconds(60)))
        // B46: closed within 1 s of the last data (plus this test's polling), not counting
        // time the test process was stalled.
        let (closed, took) = await measureExcludingStalls {
            await eventually(.seconds(10)) { kvm.closeCode != nil }
        }
        #expect(closed && kvm.closeCode == 4100)
        #expect(took < .milliseconds(1500), "\(took)")
        let bytes = kvm.received
        #expect(Array(bytes.prefix(8)) == [0x41, 0, 0, 0, 0, 0, 0, 0])
        let ok = (0..<total).allSatisfy { bytes[8 + $0] == UInt8(truncatingIfNeeded: ($0 % 65536) &* 31 &+ 7) }
        #expect(ok, "stream bytes arrive unchanged")
        #expect(await eventually { !t.server.relaySessions.status(guid: guid).kvm })
        #expect(t.server.tunnels.isConnected(guid))

        let next = try await Self.open(t, guid, "sol")
        try #require(next.status == 101)
        next.send(Self.solStart)
        try #require(await next.waitFor(23))
        handle.disconnect()
        #expect(await eventually(.seconds(3)) { next.closeCode != nil })
        #expect(next.closeCode == 4101)
        await fleet.stop()
        await t.stop()
    }

    /// Browser aborts (no close frame) free the slot; B47: a TLS-only device (16993/16995
    /// forwarded) fails fast with 4109 and frees the slot.
    @Test func abortsAndTLSOnlyDevice() async throws {
        let guid = "e5000004-2222-4333-8444-555555555555"
        let (t, fleet, _) = try await Self.setUp(guid)
        defer { t.cleanup() }
        let kvm = try await Self.open(t, guid, "kvm")
        kvm.send(Self.kvmStart)
        try #require(await kvm.waitFor(8))
        kvm.abort()
        #expect(await eventually { !t.server.relaySessions.status(guid: guid).kvm })
        // Aborted during the server's handshake: also freed.
        let early = try await Self.open(t, guid, "kvm")
        early.abort()
        #expect(await eventually { !t.server.relaySessions.status(guid: guid).kvm })

        let tlsOnly = "e5000005-2222-4333-8444-555555555555"
        var device = try await t.register(tlsOnly)
        device.forwardedPorts = [16993, 16995]
        let other = t.fleet([device])
        try #require(await t.reachable(other, tlsOnly))
        // Fast: well within the 10 s channel-open time-out, stalls of the test process left out.
        // It may wait out the 2 s a device that never forwards 5900 gets to finish forwarding.
        let (refused, took) = try await measureExcludingStalls {
            let refused = try await Self.open(t, tlsOnly, "kvm")
            _ = await eventually(.seconds(10)) { refused.closeCode != nil }
            return refused
        }
        #expect(refused.closeCode == 4109)
        #expect(took < .seconds(4), "\(took)")
        #expect(!t.server.relaySessions.status(guid: tlsOnly).kvm)
        await other.stop()
        await fleet.stop()
        await t.stop()
    }

    /// IDE-R with the server as disk provider: the image is listed, served to the simulated
    /// BIOS (which reads every block and checks its SHA-256), reported, refused twice, stopped.
    @Test func iderServesTheChosenImage() async throws {
        let guid = "e5000006-2222-4333-8444-555555555555"
        let (t, fleet, handle) = try await Self.setUp(guid)
        defer { t.cleanup() }
        let image = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let url = t.dataDirectory.appendingPathComponent("images/test.iso")
        try Data(image).write(to: url)
        let list = try await t.client.get("/api/v1/ider/images")
        #expect(list.array.count == 1)
        #expect((list.array.first as? [String: Any])?["size"] as? Int == 300_000)

        let bad = try await t.client.request("POST", "/api/v1/amt/ider/\(guid)", json: ["image": "../x.iso"])
        #expect(bad.status == 400)
        let missing = try await t.client.request("POST", "/api/v1/amt/ider/\(guid)", json: ["image": "no.iso"])
        #expect(missing.status == 404)
        let start = try await t.client.request("POST", "/api/v1/amt/ider/\(guid)", json: ["image": "test.iso"])
        #expect(start.status == 201)
        let padded = image + [UInt8](repeating: 0, count: (2048 - image.count % 2048) % 2048)
        let expected = hex(Hash.sha256(padded))
        #expect(await eventually(.seconds(20)) { handle.status.iderDigest != nil })
        #expect(handle.status.iderDigest == expected)
        #expect(try await self.redirectStatus(t, guid)["isIDERConnected"] == true)
        let twice = try await t.client.request("POST", "/api/v1/amt/ider/\(guid)", json: ["image": "test.iso"])
        #expect(twice.status == 409)
        let stop = try await t.client.request("DELETE", "/api/v1/amt/ider/\(guid)")
        #expect(stop.status == 200)
        #expect(try await self.redirectStatus(t, guid)["isIDERConnected"] == false)
        let record = try #require(t.server.relaySessions.history().last)
        #expect(record.mode == .ider && record.principal.hasPrefix("apikey:"))
        #expect(record.bytesToDevice == UInt64(padded.count))
        let again = try await t.client.request("DELETE", "/api/v1/amt/ider/\(guid)")
        #expect(again.status == 404)
        await fleet.stop()
        await t.stop()
    }
}
