// The MPS session's timers with an injected clock: handshake deadline, idle timeout,
// keep-alive options fallback (spec §5.2, field faults B01 and B08).

import APF
import Testing

@Suite struct CIRAServerTimerTests {
    /// No USERAUTH_SUCCESS within 30 s: DISCONNECT(16) and close, even mid-lookup.
    @Test func enforcesHandshakeDeadline() {
        var h = ServerHarness()
        _ = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID), at: 1)
        #expect(h.session.nextDeadline == h.at(30))
        #expect(h.tick(at: 29.999) == [])
        #expect(
            h.tick(at: 30)
                == [
                    .send(.disconnect(reason: .connectionTimedOut)),
                    .close(reason: "handshake timed out"),
                ]
        )
        #expect(h.session.nextDeadline == nil)
        // A lookup answer arriving after the timeout changes nothing.
        #expect(h.session.allowlistChecked(known: true, now: h.at(31)) == [])
    }

    /// The deadline no longer applies once authenticated.
    @Test func handshakeDeadlineEndsAtAuthentication() {
        var h = ServerHarness()
        h.authenticate(at: 29)
        #expect(h.receive(.keepAliveRequest(cookie: 1), at: 40).count == 2)
        #expect(h.tick(at: 60) == [])
        #expect(h.session.state == .authenticated)
    }

    /// B01: a device that ignores the options request and sends keep-alives every 90 s
    /// survives six minutes with the default 90 s idle setting; every cookie is echoed.
    @Test func survivesNinetySecondKeepAlives() {
        var h = ServerHarness()
        h.authenticate(at: 0)
        var replies: [UInt32] = []
        // Timers fire before traffic at the same instant, and each keep-alive arrives 0.5 s
        // late (latency): the worst case for an idle limit close to the device interval.
        for tenth in 1...3610 {
            let seconds = Double(tenth) / 10
            #expect(!closes(h.tick(at: seconds)), "closed at \(seconds) s")
            if tenth > 900 && tenth % 900 == 5 {
                let cookie = UInt32(tenth)
                let actions = h.receive(.keepAliveRequest(cookie: cookie), at: seconds)
                #expect(actions == [.send(.keepAliveReply(cookie: cookie)), .keepAliveSeen])
                replies.append(cookie)
            }
        }
        #expect(replies == [905, 1805, 2705, 3605])
        #expect(h.session.state == .authenticated)
    }

    /// B01, other branch: when the device replies to the options request with 90 s, the idle
    /// limit grows to at least three intervals plus the margin.
    @Test func idleTimeoutFollowsOptionsReply() {
        var h = ServerHarness()
        h.authenticate()
        #expect(h.session.effectiveIdleTimeout == .seconds(105))
        _ = h.receive(.keepAliveOptionsReply(interval: 90, timeout: 0))
        #expect(h.session.deviceKeepAliveInterval == 90)
        #expect(h.session.effectiveIdleTimeout == .seconds(285))
        // Absurd intervals are capped so a device cannot pin a dead tunnel for years.
        _ = h.receive(.keepAliveOptionsReply(interval: UInt32.max, timeout: 0))
        #expect(h.session.effectiveIdleTimeout == .seconds(3 * 600 + 15))
    }

    /// B08: a device that goes silent after forwarding 16992 is closed at the idle limit
    /// (105 s by default), and its open channel ends with it.
    @Test func closesSilentDevice() throws {
        var h = ServerHarness()
        h.authenticate(ports: [16992], at: 5)
        let channel = try h.openConfirmed(at: 5)
        let idleEnd = h.at(5) + h.session.effectiveIdleTimeout
        var closedAt: ContinuousClock.Instant?
        var actions: [CIRAServerAction] = []
        var now = h.at(5)
        for _ in 0..<20 {
            guard let deadline = h.session.nextDeadline else { break }
            now = deadline
            actions = h.session.tick(now: now)
            if closes(actions) {
                closedAt = now
                break
            }
        }
        #expect(closedAt == idleEnd)
        #expect(
            actions
                == [
                    .send(.disconnect(reason: .connectionTimedOut)), .channelClosed(channel),
                    .close(reason: "idle timeout"),
                ]
        )
    }

    /// Any inbound message restarts the idle timer.
    @Test func inboundTrafficRestartsIdleTimer() {
        var h = ServerHarness()
        h.authenticate(ports: [16992])
        _ = h.receive(.keepAliveReply(cookie: 1), at: 100)
        #expect(!closes(h.tick(at: 204.9)))
        #expect(closes(h.tick(at: 205)))
    }

    /// Without a 5900 forward, the options request goes out 2 s after the last forward
    /// reply, once (§5.2 [REC] a, §8 item 22).
    @Test func sendsKeepAliveOptionsFallbackOnce() {
        var h = ServerHarness()
        h.authenticate(ports: [], at: 0)
        _ = h.receive(forward(16992), at: 1)
        _ = h.receive(forward(623), at: 1.5)
        #expect(h.session.nextDeadline == h.at(3.5))
        #expect(h.tick(at: 3.4) == [])
        #expect(h.tick(at: 3.5) == [.send(.keepAliveOptionsRequest(interval: 30, timeout: 0))])
        #expect(h.tick(at: 10) == [])
        #expect(h.receive(forward(5900), at: 11) == [.send(.requestSuccess(port: 5900))])
    }

    /// With 5900 forwarded the options request is sent at once and no fallback fires.
    @Test func noFallbackAfter5900() {
        var config = CIRAServerConfiguration()
        config.keepAliveInterval = 20
        var h = ServerHarness(configuration: config)
        h.authenticate(ports: [16992, 5900])
        #expect(h.session.nextDeadline == h.at(0) + h.session.effectiveIdleTimeout)
        #expect(h.session.effectiveIdleTimeout == .seconds(105))
        #expect(h.receive(forward(16994), at: 1) == [.send(.requestSuccess(port: 16994))])
        #expect(h.tick(at: 4) == [])
    }

    /// A configured idle timeout above 3 × interval is kept, plus the margin.
    @Test func configuredIdleTimeoutIsHonoured() {
        var config = CIRAServerConfiguration()
        config.idleTimeout = .seconds(300)
        config.idleMargin = .seconds(5)
        var h = ServerHarness(configuration: config)
        h.authenticate()
        #expect(h.session.effectiveIdleTimeout == .seconds(305))
        #expect(h.tick(at: 304) == [])
        #expect(closes(h.tick(at: 305)))
    }
}
