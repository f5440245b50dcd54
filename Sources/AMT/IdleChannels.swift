internal import Synchronization
internal import Tunnel

/// A device's WS-MAN channels that are open but not in use, kept between exchanges so that a
/// sequence of calls (Enumerate then Pull, the Gets of hardwareInfo, the next REST request)
/// rides one channel with HTTP/1.1 keep-alive instead of opening one per exchange (wsman.md
/// §2.5: AMT keeps the channel open after a 200 and closes it after a 401).
///
/// A device that does not honour keep-alive is detected and then gets a fresh channel per
/// exchange again: a kept channel it closes within ``quickClose`` of being kept, or a kept
/// channel that closes before answering, marks it as refusing for a while. Requests that change state
/// (Put, methods, Delete) ride a kept channel only once reuse has worked on this device, so a
/// write is never lost to a close that raced with it on a device we know nothing about.
final class IdleChannels: Sendable {
    enum KeepAlive: Sendable, Equatable {
        case unknown
        /// A kept channel has carried a full exchange.
        case confirmed
        /// The device closes channels after each answer: keep none (for ``refusalLifetime``).
        case refused
    }

    private struct Kept {
        let channel: TunnelChannel
        let since: ContinuousClock.Instant
    }

    private struct State {
        var kept: [Kept] = []
        var keepAlive = KeepAlive.unknown
        var refusedAt: ContinuousClock.Instant?
    }

    /// How long a refusal holds before keep-alive is tried again (the close that taught it may
    /// have been a tunnel going down, or the device may since run other firmware).
    static let refusalLifetime = Duration.seconds(300)

    /// A device closing a kept channel sooner than this after it was kept is taken as
    /// closing after every answer.
    static let quickClose = Duration.seconds(1)

    private let state = Mutex(State())

    var keepAlive: KeepAlive { self.state.withLock { $0.keepAlive } }

    /// The most recently kept open channel, if any suits a request (`readOnly`: Get,
    /// Enumerate, Pull). Kept channels found closed are dropped; one closed soon after being
    /// kept marks the device as refusing keep-alive.
    func take(readOnly: Bool, now: ContinuousClock.Instant) -> TunnelChannel? {
        var dropped: [TunnelChannel] = []
        defer { for channel in dropped { channel.close() } }
        return self.state.withLock { s -> TunnelChannel? in
            if s.keepAlive == .refused, let at = s.refusedAt, now - at >= Self.refusalLifetime {
                s.keepAlive = .unknown
                s.refusedAt = nil
            }
            guard s.keepAlive != .refused, readOnly || s.keepAlive == .confirmed else { return nil }
            while let last = s.kept.popLast() {
                let closedByDevice = last.channel.isClosed
                if !closedByDevice && !last.channel.hasUnreadBytes { return last.channel }
                dropped.append(last.channel)
                if closedByDevice && now - last.since < Self.quickClose {
                    s.keepAlive = .refused
                    s.refusedAt = now
                    dropped += s.kept.map(\.channel)
                    s.kept.removeAll()
                }
            }
            return nil
        }
    }

    /// Keeps `channel` for a later exchange; closes it instead when the device refuses
    /// keep-alive or `limit` channels are kept already.
    func keep(_ channel: TunnelChannel, limit: Int, now: ContinuousClock.Instant) -> Bool {
        let kept = self.state.withLock { s -> Bool in
            guard s.keepAlive != .refused, s.kept.count < limit, !channel.isClosed else { return false }
            s.kept.append(Kept(channel: channel, since: now))
            return true
        }
        if !kept { channel.close() }
        return kept
    }

    /// A kept channel carried a whole exchange.
    func reuseWorked() {
        self.state.withLock { s in
            if s.keepAlive == .unknown { s.keepAlive = .confirmed }
        }
    }

    /// A kept channel closed before any answer: the device does not keep channels open.
    func reuseFailed(now: ContinuousClock.Instant) {
        let dropped = self.state.withLock { s -> [Kept] in
            s.keepAlive = .refused
            s.refusedAt = now
            defer { s.kept.removeAll() }
            return s.kept
        }
        for k in dropped { k.channel.close() }
    }

    /// Closes the channels kept longer than `idle`; returns how many stay kept.
    func sweep(idle: Duration, now: ContinuousClock.Instant) -> Int {
        let (expired, left) = self.state.withLock { s -> ([Kept], Int) in
            var expired: [Kept] = []
            s.kept.removeAll { kept in
                let gone = now - kept.since >= idle || kept.channel.isClosed
                if gone { expired.append(kept) }
                return gone
            }
            return (expired, s.kept.count)
        }
        for k in expired { k.channel.close() }
        return left
    }

    /// Closes every kept channel and forgets what was learnt about keep-alive.
    func reset() {
        let dropped = self.state.withLock { s -> [Kept] in
            defer { s = State() }
            return s.kept
        }
        for k in dropped { k.channel.close() }
    }
}
