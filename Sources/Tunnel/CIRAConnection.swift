internal import APF
internal import Foundation
internal import Logging
internal import NetCore

/// One device's TLS connection: decodes APF, drives the session state machine and carries out
/// its actions. Loop-confined: every method runs on `connection.loop`.
final class CIRAConnection: ConnectionHandler {
    private unowned let connection: Connection
    private let manager: TunnelManager
    /// How async code reaches this connection: set in `connectionActive`, cleared in
    /// `connectionClosed` (which always follows it), so the cycle it makes always ends.
    let ref = ConnectionRef()
    private var decoder = APFDecoder(role: .server)
    private var session: CIRAServerSession
    private var channels: [ChannelID: TunnelChannel] = [:]
    private var opening: [ChannelID: Opening] = [:]
    /// The device's GUID once its PROTOCOLVERSION arrived (the session's, not a copy).
    private var uuid: String? { self.session.uuid }
    private var registered = false
    private var closed = false

    private struct Opening {
        let continuation: CheckedContinuation<TunnelChannel, any Error>
        let channel: TunnelChannel
    }

    deinit { self.manager.connectionObjects.subtract(1, ordering: .relaxed) }

    init(connection: Connection, manager: TunnelManager) {
        manager.connectionObjects.add(1, ordering: .relaxed)
        self.connection = connection
        self.manager = manager
        self.session = CIRAServerSession(shared: manager.sessionSettings, now: connection.loop.now)
    }

    /// The APF session settings of a tunnel configuration, made once per manager.
    static func sessionSettings(_ config: TunnelConfiguration) -> SharedCIRAServerConfiguration {
        var options = CIRAServerConfiguration()
        options.idleTimeout = config.idleTimeout
        options.idleMargin = config.idleMargin
        options.handshakeTimeout = config.handshakeTimeout
        options.keepAliveInterval = config.keepAliveInterval
        options.maxChannels = config.maxChannelsPerDevice
        options.channelOpenTimeout = config.channelOpenTimeout
        return SharedCIRAServerConfiguration(options)
    }

    private var logger: Logger {
        var meta = ["conn.id": String(self.connection.id), "remote": self.connection.remoteAddress]
        if let uuid = self.uuid { meta["device.guid"] = uuid }
        return self.manager.logger.with(meta)
    }

    // MARK: ConnectionHandler

    func connectionActive(_ connection: Connection) {
        self.ref.connection = self
        self.logger.debug("cira connection accepted", metadata: ["tls": connection.tlsVersion ?? "none"])
        self.rearmDeadline()
    }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        self.decoder.append(bytes)
        self.pump()
    }

    /// The decoder copies into its own buffer, so it takes the loop's read buffer directly
    /// (no array per TLS record on a busy channel).
    func connectionRead(_ connection: Connection, lent bytes: UnsafeRawBufferPointer) {
        self.decoder.append(bytes)
        self.pump()
    }

    func connectionWritable(_ connection: Connection) {}

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.closed = true
        self.ref.connection = nil
        for (_, opening) in self.opening {
            opening.channel.markClosed()
            opening.continuation.resume(throwing: TunnelError.notConnected)
        }
        self.opening.removeAll()
        for (_, channel) in self.channels { channel.markClosed() }
        self.channels.removeAll()
        if self.registered, let uuid = self.uuid {
            self.manager.unregister(uuid: uuid, id: connection.id)
            self.logger.info("device disconnected")
        }
    }

    // MARK: driving the state machine

    /// Feeds decoded messages to the session until it waits for a lookup or bytes run out.
    private func pump() {
        while !self.closed, !self.session.isAwaitingLookup {
            let message: APFMessage
            do {
                guard let next = try self.decoder.next() else { break }
                message = next
            } catch {
                self.logger.warning("bad apf message", metadata: ["apf.error": "\(error)"])
                self.perform(self.session.decodingFailed(error))
                return
            }
            self.perform(self.session.received(message, now: self.connection.loop.now))
        }
    }

    private func perform(_ actions: [CIRAServerAction]) {
        for action in actions {
            guard !self.closed else { return }
            self.perform(action)
        }
        self.rearmDeadline()
    }

    private func perform(_ action: CIRAServerAction) {
        switch action {
        case .send(let message):
            self.connection.write(message.encode())
        case .checkAllowlist(let uuid):
            self.lookup { authority in await authority.isRegistered(uuid: uuid) } then: { s, known, now in
                if !known { s.logger.notice("unknown device refused") }
                return s.session.allowlistChecked(known: known, now: now)
            }
        case .verifyCredentials(let uuid, let username, let password):
            self.lookup { authority in
                await authority.verifyCredentials(uuid: uuid, username: username, password: password)
            } then: { s, valid, now in
                if !valid { s.logger.notice("device credentials refused") }
                return s.session.credentialsChecked(valid: valid, now: now)
            }
        case .authenticated(let uuid):
            self.registered = true
            let old = self.manager.register(
                uuid: uuid, connection: self, id: self.connection.id, loop: self.connection.loop)
            if let old, old.connectionID != self.connection.id {
                self.logger.warning("device reconnected; closing its older tunnel",
                                    metadata: ["old.conn.id": String(old.connectionID)])
                old.loop.execute { old.ref.connection?.kick(reason: .byApplication) }
            }
            self.logger.info("device connected")
        case .keepAliveSeen:
            if self.registered, let uuid = self.uuid {
                self.manager.seen(uuid: uuid, id: self.connection.id)
            }
        case .channelOpened(let id):
            guard let opening = self.opening.removeValue(forKey: id) else { return }
            self.channels[id] = opening.channel
            opening.channel.setQueued(self.session.queuedBytes(on: id))
            opening.continuation.resume(returning: opening.channel)
        case .channelOpenFailed(let id, let reason):
            guard let opening = self.opening.removeValue(forKey: id) else { return }
            if let reason {
                self.logger.notice("device refused channel", metadata: ["apf.reason": "\(reason)"])
            } else {
                self.logger.warning("channel open timed out")
            }
            opening.channel.markClosed()
            opening.continuation.resume(
                throwing: reason.map { TunnelError.openFailed(reason: $0.rawValue) }
                    ?? TunnelError.openTimedOut)
        case .channelData(let id, let bytes):
            self.channels[id]?.deliver(bytes)
        case .channelWritable(let id):
            self.channels[id]?.setQueued(0)
        case .channelClosed(let id):
            if let opening = self.opening.removeValue(forKey: id) {
                opening.channel.markClosed()
                opening.continuation.resume(throwing: TunnelError.closed)
            }
            self.channels.removeValue(forKey: id)?.markClosed()
        case .close(let reason):
            self.logger.debug("closing cira connection", metadata: ["reason": reason])
            self.connection.close()
        }
    }

    /// Runs an authority call off the loop with input paused, then resumes on the loop.
    private func lookup(
        _ call: @escaping @Sendable (any TunnelAuthority) async -> Bool,
        then: @escaping (CIRAConnection, Bool, ContinuousClock.Instant) -> [CIRAServerAction]
    ) {
        let authority = self.manager.authority
        let loop = self.connection.loop
        let ref = self.ref
        let box = UnsafeSendableBox(then)
        self.manager.lookups.submit {
            let result = await call(authority)
            loop.execute {
                guard let me = ref.connection, !me.closed else { return }
                me.perform(box.value(me, result, loop.now))
                me.pump()
            }
        }
    }

    /// The connection's deadline follows the session's next one (no timer object per tunnel).
    private func rearmDeadline() {
        guard !self.closed else { return }
        let deadline = self.session.nextDeadline
        guard deadline != self.connection.deadline else { return }
        self.connection.setDeadline(deadline)
    }

    func connectionDeadlinePassed(_ connection: Connection) {
        guard !self.closed else { return }
        self.perform(self.session.tick(now: connection.loop.now))
    }

    // MARK: operations from the manager and channels

    func kick(reason: APFDisconnectReason) {
        guard !self.closed else { return }
        self.perform(self.session.disconnect(reason: reason))
        if !self.closed { self.connection.close() }
    }

    func openChannel(
        port: UInt32, consumerWindow: UInt32?,
        continuation: CheckedContinuation<TunnelChannel, any Error>
    ) {
        guard !self.closed, let uuid = self.uuid else {
            continuation.resume(throwing: TunnelError.notConnected)
            return
        }
        let id: ChannelID
        let actions: [CIRAServerAction]
        do {
            (id, actions) = try self.session.openChannel(
                port: port, now: self.connection.loop.now, consumerWindow: consumerWindow)
        } catch {
            if case .portNotForwarded = error, !self.session.forwardingSettled {
                continuation.resume(throwing: ForwardsPending())
            } else {
                continuation.resume(throwing: TunnelError(error))
            }
            return
        }
        let channel = TunnelChannel(
            guid: uuid, port: port, id: id.rawValue, loop: self.connection.loop,
            owner: self.ref, consumerDriven: consumerWindow != nil)
        self.opening[id] = Opening(continuation: continuation, channel: channel)
        self.perform(actions)
    }

    func send(_ bytes: [UInt8], on raw: UInt32) {
        let id = ChannelID(raw)
        let channel = self.channels[id] ?? self.opening[id]?.channel
        channel?.handed(bytes.count)
        guard !self.closed else { return }
        do {
            self.perform(try self.session.send(bytes, on: id))
            channel?.setQueued(self.session.queuedBytes(on: id))
        } catch {
            // A closed channel or a producer that ignored backpressure: end the channel.
            self.logger.debug("channel write refused", metadata: ["apf.error": "\(error)"])
            self.closeChannel(raw)
        }
    }

    /// The channel's reader took `count` bytes: return window to the device if due.
    func consumed(_ count: Int, on raw: UInt32) {
        guard !self.closed else { return }
        self.perform(self.session.consumed(count, on: ChannelID(raw)))
    }

    func closeChannel(_ raw: UInt32) {
        let id = ChannelID(raw)
        guard !self.closed else { return }
        self.channels.removeValue(forKey: id)?.markClosed()
        if let opening = self.opening.removeValue(forKey: id) {
            opening.channel.markClosed()
            opening.continuation.resume(throwing: TunnelError.closed)
        }
        self.perform(self.session.close(id))
    }
}

/// Carries a loop-confined closure through a Task back to the loop that made it.
/// Safety: the closure is only called inside `loop.execute` of the connection's own loop.
struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
