// SPDX-License-Identifier: Apache-2.0

internal import APF
internal import NetCore

/// One TLS connection of a simulated device: decodes APF, runs the device-side session,
/// serves WS-MAN channels and carries out the session's actions. Loop-confined.
///
/// The field-fault switches act here, at the edge of the pure state machines: `.silent`
/// drops every outgoing byte and every incoming one (the TCP connection stays open, and its
/// close is still noticed); `.ignoreChannelOpens` hides CHANNEL_OPEN from the session.
final class DeviceConnection: ConnectionHandler {
    let runner: DeviceRunner
    weak var connection: Connection?
    var session: CIRADeviceSession
    private var decoder = APFDecoder(role: .device)
    private var channels: [ChannelID: WSMANChannel] = [:]
    /// Channels to the redirection port (16994), see DeviceRedirectionChannel.swift.
    var redirections: [ChannelID: DeviceRedirectionChannel] = [:]
    var redirectionTimer: Timer?
    /// Channels to close once their queued reply has left (a 401 must not be cut off).
    private var closeWhenFlushed: Set<ChannelID> = []
    private var timer: Timer?
    private var timerDeadline: ContinuousClock.Instant?
    private var active = false
    private var tunnelUp = false
    private var finished = false
    private(set) var wentSilent = false
    var reconnectImmediately = false

    /// The clear redirection port; 16995 (TLS) is not served (B47).
    static let redirectionPort: UInt32 = 16994

    init(runner: DeviceRunner, session: CIRADeviceSession) {
        self.runner = runner
        self.session = session
    }

    func close() {
        guard let connection = self.connection, !connection.isClosed else { return }
        connection.close()
    }

    func abort() { self.connection?.abort() }

    // MARK: ConnectionHandler

    func connectionActive(_ connection: Connection) {
        self.active = true
        self.perform(self.session.start(now: connection.loop.now))
        self.armTimer()
    }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        if self.isSilent { return }
        self.decoder.append(bytes)
        while self.session.state != .closed && !connection.isClosed {
            let message: APFMessage
            do {
                guard let next = try self.decoder.next() else { break }
                message = next
            } catch {
                self.perform(self.session.decodingFailed(error))
                break
            }
            self.handle(message, now: connection.loop.now)
        }
        self.armTimer()
    }

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.finished = true
        // A fault switched on while nothing flowed still makes this the silent tunnel, so that
        // the fault clears with it and the next tunnel starts healthy.
        _ = self.isSilent
        self.timer?.cancel()
        self.timer = nil
        self.redirectionTimer?.cancel()
        self.redirectionTimer = nil
        self.redirections.removeAll()
        let wasUp = self.tunnelUp
        self.tunnelUp = false
        self.runner.connectionEnded(self, wasActive: self.active, tunnelWasUp: wasUp, error: error)
    }

    // MARK: APF

    private var isSilent: Bool {
        guard self.runner.shared.hasFault(.silent) else { return false }
        self.wentSilent = true
        return true
    }

    private func handle(_ message: APFMessage, now: ContinuousClock.Instant) {
        let state = self.session.state
        let inTunnel = state == .ready || { if case .forwarding = state { true } else { false } }()
        switch message {
        case .userAuthSuccess where state == .awaitingAuthResult:
            self.runner.shared.update { $0.connects += 1 }
            self.runner.logger.debug("authenticated")
        case .userAuthFailure where state == .awaitingAuthResult:
            self.runner.shared.update { $0.authFailures += 1 }
            self.runner.logger.debug("authentication failed")
        case .keepAliveReply:
            self.runner.shared.update { $0.keepAlivesAnswered += 1 }
        case .keepAliveOptionsRequest(_, let timeout)
        where inTunnel && !self.session.configuration.adoptsKeepAliveOptions:
            // A fixed-interval device says which interval it keeps (apf.md §3.1: the reply
            // carries the values the device will use).
            self.send(.keepAliveOptionsReply(interval: self.session.keepAliveInterval, timeout: timeout))
            return
        case .channelOpen where inTunnel && self.runner.shared.hasFault(.ignoreChannelOpens):
            return  // B26: no confirmation, no failure
        default:
            break
        }
        self.perform(self.session.received(message, now: now))
        if case .keepAliveOptionsRequest = message {
            let interval = Int(self.session.keepAliveInterval)
            self.runner.shared.update { $0.keepAliveInterval = interval }
        }
    }

    private func send(_ message: APFMessage) {
        guard let connection = self.connection, !self.isSilent else { return }
        self.decoder.noteSent(message)
        if case .channelData(let recipient, let data) = message, data.count > 16 * 1024 {
            // Bulk stream data follows its header as it is instead of being copied into one
            // message (the MPS sees the same bytes).
            connection.write(APFMessage.channelDataHeader(recipient: recipient, count: data.count))
            connection.write(data)
        } else {
            connection.write(message.encode())
        }
        if case .keepAliveRequest = message { self.runner.shared.update { $0.keepAlivesSent += 1 } }
    }

    func perform(_ actions: [CIRADeviceAction]) {
        for action in actions {
            switch action {
            case .send(let message):
                if case .globalRequest(.tcpipForward) = message, self.runner.shared.hasFault(.slowForwards) {
                    _ = self.runner.loop.schedule(after: .milliseconds(300)) { [weak self] in
                        self?.send(message)
                    }
                } else {
                    self.send(message)
                }
            case .tunnelReady:
                self.tunnelUp = true
                self.runner.context.counters.tunnelUp()
                let interval = Int(self.session.keepAliveInterval)
                self.runner.shared.update {
                    $0.isConnected = true
                    $0.keepAliveInterval = interval
                }
                self.runner.logger.debug("tunnel up", metadata: ["ports": "\(self.session.acceptedPorts)"])
            case .authenticationFailed:
                break  // counted when the USERAUTH_FAILURE arrived
            case .channelOpened(let id, let port):
                if port == Self.redirectionPort {
                    self.openRedirection(id)
                } else {
                    self.channels[id] = WSMANChannel()
                }
                self.runner.shared.update { $0.channelsOpened += 1 }
            case .channelData(let id, let bytes):
                if self.redirections[id] != nil {
                    self.serveRedirection(id, bytes)
                } else {
                    self.serve(id, bytes)
                }
            case .channelWritable(let id):
                if self.closeWhenFlushed.remove(id) != nil { self.perform(self.session.close(id)) }
                if self.redirections[id] != nil { self.pumpStream(id) }
            case .channelClosed(let id):
                self.channels[id] = nil
                self.redirections[id] = nil
                self.closeWhenFlushed.remove(id)
            case .disconnected(let reason):
                self.runner.logger.debug("MPS sent DISCONNECT", metadata: ["reason": "\(reason)"])
            case .close(let reason):
                self.runner.logger.debug("closing tunnel", metadata: ["reason": reason])
                self.connection?.close()
            }
        }
    }

    /// Feeds channel bytes to its HTTP parser and sends the replies.
    private func serve(_ id: ChannelID, _ bytes: [UInt8]) {
        guard var channel = self.channels[id] else { return }
        let now = self.runner.loop.now
        var faults = self.runner.shared.state.withLock { $0.faults }
        let before = faults
        let outputs = channel.received(bytes, endpoint: &self.runner.endpoint, faults: &faults, now: now)
        self.channels[id] = channel
        if faults != before {
            let used = before.subtracting(faults)
            self.runner.shared.state.withLock { $0.faults.subtract(used) }
        }
        let power = self.runner.endpoint.model.powerState
        self.runner.shared.update { $0.powerState = power }
        // What a real device would show on its screen (the user-consent code).
        for notice in self.runner.endpoint.model.amt.notices {
            self.runner.logger.notice("device screen", metadata: ["screen": notice])
        }
        self.runner.endpoint.model.amt.notices.removeAll()
        for output in outputs {
            switch output {
            case .send(let reply, let status):
                self.runner.shared.update {
                    $0.requestsServed += 1
                    if status == 401 { $0.unauthorizedResponses += 1 }
                }
                do {
                    self.perform(try self.session.send(reply, on: id))
                } catch {
                    return  // the channel closed under us
                }
            case .close:
                if self.session.queuedBytes(on: id) > 0 {
                    self.closeWhenFlushed.insert(id)
                } else {
                    self.perform(self.session.close(id))
                }
            }
        }
    }

    // MARK: Keep-alive timer

    private func armTimer() {
        guard !self.finished else { return }
        let deadline = self.session.nextDeadline
        guard deadline != self.timerDeadline else { return }
        self.timer?.cancel()
        self.timer = nil
        self.timerDeadline = deadline
        guard let deadline else { return }
        let delay = max(.zero, deadline - self.runner.loop.now)
        self.timer = self.runner.loop.schedule(after: delay) { [weak self] in self?.timerFired() }
    }

    private func timerFired() {
        self.timer = nil
        self.timerDeadline = nil
        self.perform(self.session.tick(now: self.runner.loop.now))
        self.armTimer()
    }
}
