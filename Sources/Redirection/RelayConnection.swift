// Redirection: the async glue between a browser WebSocket and a device channel.
public import Logging
public import Store
internal import Synchronization

/// A running relay: the server has authenticated the redirection session itself, and from
/// then on bytes flow unchanged both ways (device → browser by a pump task, browser → device
/// through `fromBrowser`).
///
/// Back-pressure: the pump reads the channel only after `sink.send` returns, so a slow browser
/// stops the channel being drained; `fromBrowser` uses `writeAndWait`, so a fast browser is
/// held back too. Either side closing closes the other, exactly once, and the browser gets a
/// ``RelayCloseCode`` (B46); the ``RelaySession`` slot is released on every kind of end.
/// It does not parse anything after hand-over and does not open the channel itself (see
/// `RelayConnection+Tunnel.swift`).
public final class RelayConnection: Sendable {
    public let mode: RedirectionMode
    private let channel: any RelayChannel
    private let sink: any RelayBrowserSink
    private let session: RelaySession?
    private let logger: Logger
    private let tunnelIsUp: @Sendable () async -> Bool
    private let configuration: RelayConfiguration

    private struct State {
        var end: RelayEndReason?
        var lastActivity = ContinuousClock.now
        var tasks: [Task<Void, Never>] = []
        var waiters: [CheckedContinuation<RelayEndReason, Never>] = []
    }

    private let state = Mutex(State())

    private init(
        mode: RedirectionMode,
        channel: any RelayChannel,
        sink: any RelayBrowserSink,
        session: RelaySession?,
        configuration: RelayConfiguration,
        tunnelIsUp: @escaping @Sendable () async -> Bool,
        logger: Logger
    ) {
        self.mode = mode
        self.channel = channel
        self.sink = sink
        self.session = session
        self.configuration = configuration
        self.tunnelIsUp = tunnelIsUp
        self.logger = logger
    }

    /// Runs the redirection handshake on `channel` with `credentials`, then starts relaying.
    ///
    /// On failure the channel is closed, the browser gets the close code, `session` is
    /// finished, and the reason is thrown. If the browser goes away during the handshake,
    /// cancel the calling task: the channel read ends and so does the handshake.
    /// - Parameters:
    ///   - session: the registry slot; finished when the relay ends.
    ///   - tunnelIsUp: asked after the channel closes, to tell a channel close (4100) from a
    ///     lost tunnel (4101).
    public static func start(
        channel: any RelayChannel,
        mode: RedirectionMode,
        credentials: AMTCredentials,
        sink: any RelayBrowserSink,
        session: RelaySession?,
        configuration: RelayConfiguration = RelayConfiguration(),
        tunnelIsUp: @escaping @Sendable () async -> Bool = { true },
        logger: Logger
    ) async throws(RelayEndReason) -> RelayConnection {
        let relay = RelayConnection(
            mode: mode,
            channel: channel,
            sink: sink,
            session: session,
            configuration: configuration,
            tunnelIsUp: tunnelIsUp,
            logger: logger
        )
        let outcome = await Self.handshake(
            channel: channel,
            mode: mode,
            credentials: credentials,
            timeout: configuration.handshakeTimeout
        )
        switch outcome {
        case .success(let leftover):
            logger.debug("relay authenticated", metadata: ["relay.mode": mode.rawValue])
            relay.run(leftover: leftover)
            return relay
        case .failure(let failure):
            var reason = RelayEndReason.handshakeFailed(failure)
            if failure == .channelClosed, !(await relay.tunnelStillUp()) { reason = .tunnelLost }
            relay.end(reason)
            throw reason
        }
    }

    /// Forwards browser bytes to the device; suspends while the device side is backed up.
    /// Does nothing once the relay has ended.
    public func fromBrowser(_ bytes: [UInt8]) async {
        guard !bytes.isEmpty, self.touch() else { return }
        self.session?.count(toDevice: bytes.count)
        await self.channel.writeAndWait(bytes)
    }

    /// The browser closed its WebSocket: closes the channel and releases the slot.
    public func browserClosed() { self.end(.browserClosed) }

    /// Ends the relay from the server side (for example at shutdown).
    public func close(_ reason: RelayEndReason = .serverShutdown) { self.end(reason) }

    /// Why the relay ended, or nil while it runs.
    public var endReason: RelayEndReason? { self.state.withLock { $0.end } }

    /// Suspends until the relay ends; returns why.
    public func waitForEnd() async -> RelayEndReason {
        await withCheckedContinuation { (c: CheckedContinuation<RelayEndReason, Never>) in
            let ended = self.state.withLock { s -> RelayEndReason? in
                if let end = s.end { return end }
                s.waiters.append(c)
                return nil
            }
            if let ended { c.resume(returning: ended) }
        }
    }

    // MARK: - handshake

    static func handshake(
        channel: any RelayChannel,
        mode: RedirectionMode,
        credentials: AMTCredentials,
        timeout: Duration
    ) async -> Result<[UInt8], RedirectionFailure> {
        await withTaskGroup(of: Result<[UInt8], RedirectionFailure>?.self) { group in
            group.addTask {
                await Self.exchange(channel: channel, mode: mode, credentials: credentials)
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    return nil  // cancelled: the exchange finished first
                }
                return .failure(.timeout)
            }
            var outcome: Result<[UInt8], RedirectionFailure> = .failure(.timeout)
            // The timer yields nil only when cancelled, so wait for the first real outcome.
            for await result in group {
                guard let result else { continue }
                outcome = result
                break
            }
            group.cancelAll()
            return outcome
        }
    }

    private static func exchange(
        channel: any RelayChannel,
        mode: RedirectionMode,
        credentials: AMTCredentials
    ) async -> Result<[UInt8], RedirectionFailure> {
        var machine = RedirectionHandshake(mode: mode, credentials: credentials)
        var actions = [machine.start()]
        while true {
            for action in actions {
                switch action {
                case .send(let bytes): await channel.writeAndWait(bytes)
                case .authenticated(let leftover): return .success(leftover)
                case .failed(let failure): return .failure(failure)
                }
            }
            guard let bytes = await channel.read() else {
                return .failure(machine.channelClosed().map(Self.failure) ?? .channelClosed)
            }
            actions = machine.received(bytes)
        }
    }

    private static func failure(_ action: RedirectionHandshake.Action) -> RedirectionFailure {
        if case .failed(let failure) = action { return failure }
        return .channelClosed
    }

    // MARK: - relaying

    private func run(leftover: [UInt8]) {
        // The idle clock starts at hand-over, not when the handshake began.
        _ = self.touch()
        let pump = Task { [self] in
            if !leftover.isEmpty {
                self.session?.count(toBrowser: leftover.count)
                await self.sink.send(leftover)
            }
            while let bytes = await self.channel.read() {
                guard self.touch() else { return }
                self.session?.count(toBrowser: bytes.count)
                await self.sink.send(bytes)
            }
            guard self.endReason == nil else { return }
            self.end(await self.tunnelStillUp() ? .deviceClosed : .tunnelLost)
        }
        let idle = Task { [self] in await self.watchIdle() }
        let late = self.state.withLock { s -> Bool in
            if s.end != nil { return true }
            s.tasks = [pump, idle]
            return false
        }
        if late {
            pump.cancel()
            idle.cancel()
        }
    }

    private func watchIdle() async {
        let limit = self.configuration.idleTimeout
        while !Task.isCancelled {
            guard let last = self.state.withLock({ $0.end == nil ? $0.lastActivity : nil }) else {
                return
            }
            let deadline = last + limit
            if ContinuousClock.now >= deadline {
                self.end(.idle)
                return
            }
            try? await Task.sleep(until: deadline, clock: .continuous)
        }
    }

    /// Records activity; false once the relay has ended.
    private func touch() -> Bool {
        self.state.withLock { s in
            guard s.end == nil else { return false }
            s.lastActivity = ContinuousClock.now
            return true
        }
    }

    private func tunnelStillUp() async -> Bool {
        try? await Task.sleep(for: self.configuration.tunnelLossGrace)
        return await self.tunnelIsUp()
    }

    private func end(_ reason: RelayEndReason) {
        let claimed = self.state.withLock {
            s -> ([Task<Void, Never>], [CheckedContinuation<RelayEndReason, Never>])? in
            guard s.end == nil else { return nil }
            s.end = reason
            defer {
                s.tasks = []
                s.waiters = []
            }
            return (s.tasks, s.waiters)
        }
        guard let (tasks, waiters) = claimed else { return }
        self.channel.close()
        if let code = reason.closeCode {
            self.sink.close(code: code.rawValue, reason: Self.closeReason(reason))
        }
        self.session?.finish(reason: reason.description)
        self.logger.debug(
            "relay ended",
            metadata: ["relay.mode": self.mode.rawValue, "relay.reason": reason.description]
        )
        for task in tasks { task.cancel() }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// A WebSocket close reason must fit in 123 bytes; ours are ASCII, so cut at 120.
    static func closeReason(_ reason: RelayEndReason) -> String {
        String(decoding: Array(reason.description.utf8.prefix(120)), as: UTF8.self)
    }
}
