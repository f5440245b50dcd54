public import Foundation
internal import HTTP
public import Logging
public import Store
internal import Synchronization
public import Tunnel
public import WSMAN

/// Where the WS-MAN client gets a device's stored AMT credentials from.
public protocol AMTCredentialSource: Sendable {
    func amtCredentials(for guid: String) async -> AMTCredentials?
}

/// Sends WS-MAN requests to devices over their CIRA tunnels (HTTP/1.1 with Digest on port
/// 16992), with a per-call deadline and a per-device limit on concurrent calls, so that one
/// silent device never delays another (B26, B27).
///
/// Channels are kept open between exchanges (HTTP keep-alive, wsman.md §2.5) and closed after
/// `channelIdleTimeout` unused; see ``IdleChannels`` for how a device that does not keep them
/// open is handled. Authorization is sent pre-emptively from the cached challenge.
///
/// The deadline covers waiting for a slot, opening the channel and the whole HTTP exchange;
/// when it passes the caller gets ``AMTError/timeout`` at once while the abandoned exchange
/// is cancelled in the background (its channel is closed, its slot released).
public final class WSMANClient: WSMANTransport, Sendable {
    private let tunnels: TunnelManager
    private let credentials: any AMTCredentialSource
    private let timeout: Duration
    private let perDeviceLimit: Int
    private let devices = Mutex<[String: DeviceState]>([:])
    private let logger: Logger
    private let channelIdleTimeout: Duration
    /// Whether the task that closes idle channels runs.
    private let sweeping = Mutex(false)

    final class DeviceState: Sendable {
        let semaphore: AsyncSemaphore
        /// The cached challenge. Every Authorization is built under this lock, so concurrent
        /// calls under one nonce get distinct, increasing nc values (RFC 7616).
        let digest = Mutex<DigestClient?>(nil)
        let idle = IdleChannels()
        init(limit: Int) { self.semaphore = AsyncSemaphore(limit) }
    }

    public init(
        tunnels: TunnelManager, credentials: any AMTCredentialSource, timeout: Duration = .seconds(30),
        perDeviceLimit: Int = 3, channelIdleTimeout: Duration = .seconds(5), logger: Logger
    ) {
        self.channelIdleTimeout = channelIdleTimeout
        self.tunnels = tunnels
        self.credentials = credentials
        self.timeout = timeout
        self.perDeviceLimit = max(1, perDeviceLimit)
        self.logger = logger
    }

    public func send(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse {
        try await self.call(guid: guid, envelope: envelope)
    }

    /// Sends one SOAP envelope and returns the parsed response (SOAP faults are thrown).
    public func call(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse {
        let guid = guid.lowercased()
        guard self.tunnels.isConnected(guid) else { throw .notConnected }
        let state = self.state(for: guid)
        do {
            return try await Deadline.run(self.timeout) {
                try await state.semaphore.wait()
                defer { state.semaphore.signal() }
                return try await self.exchange(guid: guid, envelope: envelope, state: state)
            }
        } catch let error as AMTError {
            throw error
        } catch let error as TunnelError {
            throw error == .notConnected ? .notConnected : .tunnel(error)
        } catch let error as WSMANError {
            throw .wsman(error)
        } catch let error as HTTPParserError {
            throw .unexpectedResponse("device sent invalid HTTP: \(error)")
        } catch is CancellationError {
            throw .timeout
        } catch {
            throw .unexpectedResponse("\(type(of: error))")
        }
    }

    public func resetSession(guid: String) { self.reset(guid: guid) }

    /// Forgets the cached Digest challenge (after credentials change) and closes the kept
    /// channels. The per-device slot limit is kept, so calls in flight still count against it.
    public func reset(guid: String) {
        let state = self.devices.withLock { $0[guid.lowercased()] }
        state?.digest.withLock { $0 = nil }
        state?.idle.reset()
    }

    private func state(for guid: String) -> DeviceState {
        self.devices.withLock { d in
            if let s = d[guid] { return s }
            let s = DeviceState(limit: self.perDeviceLimit)
            d[guid] = s
            return s
        }
    }

    private enum Step {
        case sent
        case failed(WSMANError)
    }

    private func exchange(guid: String, envelope: String, state: DeviceState) async throws
        -> WSMANResponse
    {
        guard let creds = await self.credentials.amtCredentials(for: guid) else {
            throw AMTError.noCredentials
        }
        let pair = (user: creds.username, password: creds.password)
        let host = "\(guid):16992"
        let readOnly = WSMANRequest.isReadOnly(envelope)
        // nil: start a new WSMANCall flow from the cached challenge.
        var call: WSMANCall?
        var last401: HTTPResponse?
        // Bounds: at most two flows from a 401 (a restart when another call adopted the same
        // new nonce first) plus one resend after a kept channel closed unanswered, each flow
        // of at most WSMANCall.maxAttempts requests.
        var restarts = 0
        var resent = false
        while true {
            let (channel, reused) = try await self.acquire(guid: guid, state: state, readOnly: readOnly)
            // Every Authorization is built and written under the digest lock, so the device
            // sees each nonce's nc values in increasing order (all channels share one tunnel).
            let step = state.digest.withLock { cached -> Step in
                if var flow = call, let challenge = last401 {
                    last401 = nil
                    switch flow.responseReceived(challenge) {
                    case .send(let next):
                        let adopted = flow.digest
                        let sameNonce = cached != nil && cached?.challenge.nonce == adopted?.challenge.nonce
                        if !sameNonce || restarts > 0 {
                            cached = adopted
                            call = flow
                            channel.write(next)
                            return .sent
                        }
                        restarts += 1
                    case .failed(let error):
                        if case .unauthorized = error { cached = nil }
                        return .failed(error)
                    case .done:
                        return .failed(.unauthorized)  // not reached: a 401 is never done
                    }
                }
                var flow = WSMANCall(body: envelope, host: host, credentials: pair, cachedChallenge: cached)
                channel.write(flow.start())
                if flow.digest != nil { cached = flow.digest }
                call = flow
                return .sent
            }
            if case .failed(let error) = step {
                self.release(channel, reusable: true, state: state)
                throw AMTError.wsman(error)
            }
            switch try await self.readResponse(on: channel) {
            case .closedUnanswered:
                channel.close()
                guard reused else { throw AMTError.tunnel(.closed) }
                state.idle.reuseFailed(now: .now)
                guard readOnly, !resent else { throw AMTError.tunnel(.closed) }
                resent = true
                call = nil
            case .answered(let response, let reusable):
                if reused { state.idle.reuseWorked() }
                self.release(channel, reusable: reusable, state: state)
                if response.status == 401 {
                    last401 = response
                    continue
                }
                guard var flow = call else { throw AMTError.unexpectedResponse("no call in flight") }
                switch flow.responseReceived(response) {
                case .done(let parsed): return parsed
                case .failed(let error): throw AMTError.wsman(error)
                case .send: throw AMTError.unexpectedResponse("retry asked after a non-401 answer")
                }
            }
        }
    }

    /// A kept channel of the device when one suits the request, else a new one.
    private func acquire(guid: String, state: DeviceState, readOnly: Bool) async throws
        -> (TunnelChannel, reused: Bool)
    {
        if self.channelIdleTimeout > .zero, let channel = state.idle.take(readOnly: readOnly, now: .now) {
            return (channel, true)
        }
        if Task.isCancelled { throw CancellationError() }
        return (try await self.tunnels.openChannel(guid: guid, port: 16992), false)
    }

    private enum ChannelOutcome {
        /// `reusable`: the response left the channel open and clean for another exchange.
        case answered(HTTPResponse, reusable: Bool)
        /// The channel closed before a single byte came back.
        case closedUnanswered
    }

    /// Reads one response from `channel` (the request was written). Closes it on error.
    private func readResponse(on channel: TunnelChannel) async throws -> ChannelOutcome {
        do {
            var parser = HTTPResponseParser()
            var received = false
            while true {
                guard let bytes = await channel.read() else {
                    if Task.isCancelled { throw CancellationError() }
                    if let response = try parser.finish() { return .answered(response, reusable: false) }
                    if !received { return .closedUnanswered }
                    throw AMTError.tunnel(.closed)
                }
                received = received || !bytes.isEmpty
                parser.append(bytes)
                if let response = try parser.next() {
                    let closes = response.headers.containsToken("Connection", "close")
                    let reusable =
                        response.status != 401 && parser.isIdle && !closes
                        && !channel.isClosed && !channel.hasUnreadBytes
                    return .answered(response, reusable: reusable)
                }
            }
        } catch {
            channel.close()
            throw error
        }
    }

    /// Keeps the channel for the device's next exchange, or closes it.
    private func release(_ channel: TunnelChannel, reusable: Bool, state: DeviceState) {
        guard reusable, self.channelIdleTimeout > .zero,
            state.idle.keep(channel, limit: self.perDeviceLimit, now: .now)
        else {
            channel.close()
            return
        }
        self.startSweeper()
    }

    /// Starts the task that closes channels idle for `channelIdleTimeout`; it ends by itself
    /// once no channel is kept.
    private func startSweeper() {
        guard self.sweeping.withLock({ running in
            defer { running = true }
            return !running
        }) else { return }
        let period = min(self.channelIdleTimeout, .seconds(1))
        Task { [weak self] in
            while true {
                try? await Task.sleep(for: period)
                guard let self, self.sweepIdleChannels() else { return }
            }
        }
    }

    /// Closes idle channels; false (and the sweeper flag cleared) when none is left kept.
    private func sweepIdleChannels() -> Bool {
        func sweep() -> Int {
            let states = self.devices.withLock { Array($0.values) }
            let now = ContinuousClock.now
            return states.reduce(0) { $0 + $1.idle.sweep(idle: self.channelIdleTimeout, now: now) }
        }
        if sweep() > 0 { return true }
        self.sweeping.withLock { $0 = false }
        // A channel kept between the sweep and the flag change started no sweeper: go on.
        guard sweep() > 0 else { return false }
        return self.sweeping.withLock { running in
            defer { running = true }
            return !running
        }
    }
}
