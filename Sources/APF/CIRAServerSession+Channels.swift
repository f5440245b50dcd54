// APF: channels the MPS opens to the device, with window accounting (spec §6).

/// One MPS-opened channel, from CHANNEL_OPEN until the device's CHANNEL_CLOSE.
struct CIRAServerChannel: Sendable {
    enum Phase: Equatable, Sendable {
        /// CHANNEL_OPEN sent, no answer yet.
        case opening
        /// Confirmed; data flows.
        case open
        /// We sent CHANNEL_CLOSE and wait for the device's.
        case closing
    }

    var phase: Phase = .opening
    let port: UInt32
    var peerID: UInt32 = 0
    /// `.channelClosed` was emitted; the user no longer owns the channel.
    var userNotified = false
    var openDeadline: ContinuousClock.Instant?
    var flow: APFChannelFlow
}

extension CIRAServerSession {
    /// Opens a forwarded-tcpip channel to `port` (§6.1). Data may be sent at once; it is
    /// queued until the device confirms.
    /// - Parameter consumerWindow: nil: the configured window, returned to the device as data
    ///   is delivered (WS-MAN). A value: advertise this window and return credit only as the
    ///   consumer reports bytes taken with ``consumed(_:on:)`` (relays; backpressure).
    /// - Throws: ``CIRAChannelError`` if not authenticated, the port is not forwarded, or the
    ///   channel cap is reached.
    public mutating func openChannel(
        port: UInt32,
        now: Instant,
        consumerWindow: UInt32? = nil
    ) throws(CIRAChannelError) -> (ChannelID, [CIRAServerAction]) {
        guard self.state == .authenticated else { throw .notConnected }
        guard self.ports.contains(port) else { throw .portNotForwarded(port) }
        guard self.channels.count < self.configuration.maxChannels,
            self.nextChannelID < UInt32.max
        else { throw .tooManyChannels }
        let id = self.nextChannelID
        self.nextChannelID += 1
        let originatorPort = 1024 + self.openCount % 30000
        self.openCount &+= 1
        let window = max(1, consumerWindow ?? self.configuration.receiveWindow)
        self.channels[id] = CIRAServerChannel(
            port: port,
            openDeadline: now + self.configuration.channelOpenTimeout,
            flow: APFChannelFlow(receiveWindow: window, consumerDriven: consumerWindow != nil)
        )
        let open = APFMessage.channelOpen(
            type: APFConstants.forwardedChannelType,
            senderChannel: id,
            initialWindow: window,
            connectedAddress: "",
            connectedPort: port,
            originatorAddress: "1.2.3.4",
            originatorPort: originatorPort
        )
        return (ChannelID(id), [.send(open)])
    }

    /// Queues `bytes` on a channel and sends what the device's credit allows.
    /// - Throws: `.channelClosed` if the channel is gone, `.queueFull` past the queue bound.
    public mutating func send(
        _ bytes: [UInt8],
        on channel: ChannelID
    ) throws(CIRAChannelError) -> [CIRAServerAction] {
        guard let entry = self.channels[channel.rawValue], !entry.userNotified,
            self.state == .authenticated
        else { throw .channelClosed }
        guard entry.flow.queuedBytes + bytes.count <= self.configuration.maxQueuedBytesPerChannel
        else { throw .queueFull }
        self.channels[channel.rawValue]?.flow.enqueue(bytes)
        guard entry.phase == .open else { return [] }
        return self.flush(channel.rawValue, backlogBefore: entry.flow.queuedBytes)
    }

    /// A consumer-driven channel's reader has taken `bytes` delivered bytes: returns the
    /// WINDOW_ADJUST once enough credit is pending. Nothing for other or closed channels.
    public mutating func consumed(_ bytes: Int, on channel: ChannelID) -> [CIRAServerAction] {
        let id = channel.rawValue
        guard self.state == .authenticated, let entry = self.channels[id], entry.phase == .open,
            let adjust = self.channels[id]?.flow.consumed(bytes)
        else { return [] }
        return [.send(.windowAdjust(recipient: entry.peerID, bytes: adjust))]
    }

    /// Bytes written to a channel but not yet sent for lack of credit (0 if unknown).
    public func queuedBytes(on channel: ChannelID) -> Int {
        self.channels[channel.rawValue]?.flow.queuedBytes ?? 0
    }

    /// Channels still known to the session (opening, open, or awaiting the device's close).
    public var channelCount: Int { self.channels.count }

    /// Closes a channel from the MPS side. CHANNEL_CLOSE is sent at most once; if the channel
    /// is still opening it is sent when the confirmation arrives (§6.3).
    public mutating func close(_ channel: ChannelID) -> [CIRAServerAction] {
        let id = channel.rawValue
        guard var entry = self.channels[id], !entry.userNotified else { return [] }
        entry.userNotified = true
        entry.flow.discardQueue()
        var actions: [CIRAServerAction] = []
        if entry.phase == .open {
            entry.phase = .closing
            actions.append(.send(.channelClose(recipient: entry.peerID)))
        }
        self.channels[id] = entry
        return actions + [.channelClosed(channel)]
    }

    // MARK: - Device messages for channels

    mutating func channelConfirmed(
        _ id: UInt32,
        peer: UInt32,
        window: UInt32
    ) -> [CIRAServerAction] {
        guard var entry = self.channels[id], entry.phase == .opening else { return [] }
        entry.peerID = peer
        entry.openDeadline = nil
        if entry.userNotified {
            entry.phase = .closing
            self.channels[id] = entry
            return [.send(.channelClose(recipient: peer))]
        }
        entry.phase = .open
        entry.flow.peerOpened(window: window)
        self.channels[id] = entry
        return [.channelOpened(ChannelID(id))] + self.flush(id)
    }

    mutating func channelRefused(
        _ id: UInt32,
        reason: APFChannelOpenFailureReason?
    ) -> [CIRAServerAction] {
        guard let entry = self.channels[id], entry.phase == .opening else { return [] }
        self.channels[id] = nil
        guard !entry.userNotified else { return [] }
        return [.channelOpenFailed(ChannelID(id), reason: reason), .channelClosed(ChannelID(id))]
    }

    mutating func channelWindowAdjusted(_ id: UInt32, bytes: UInt32) -> [CIRAServerAction] {
        guard self.channels[id]?.phase == .open else { return [] }
        self.channels[id]?.flow.addCredit(bytes)
        return self.flush(id)
    }

    mutating func channelReceived(_ id: UInt32, data: [UInt8]) -> [CIRAServerAction] {
        guard let entry = self.channels[id], entry.phase == .open else { return [] }
        switch self.channels[id]?.flow.received(data.count) {
        case .overrun:
            return self.fail(.protocolError, "device overran the channel window")
        case .accepted(let adjust):
            var actions: [CIRAServerAction] =
                data.isEmpty ? [] : [.channelData(ChannelID(id), data)]
            if let adjust {
                actions.append(.send(.windowAdjust(recipient: entry.peerID, bytes: adjust)))
            }
            return actions
        case nil:
            return []
        }
    }

    mutating func channelClosedByPeer(_ id: UInt32) -> [CIRAServerAction] {
        guard let entry = self.channels[id] else { return [] }
        self.channels[id] = nil
        switch entry.phase {
        case .closing:
            return []
        case .opening:
            // A close instead of an answer: the open failed.
            guard !entry.userNotified else { return [] }
            return [.channelOpenFailed(ChannelID(id), reason: nil), .channelClosed(ChannelID(id))]
        case .open:
            return [.send(.channelClose(recipient: entry.peerID)), .channelClosed(ChannelID(id))]
        }
    }

    // MARK: - Internals

    mutating func expireChannelOpens(now: Instant) -> [CIRAServerAction] {
        var actions: [CIRAServerAction] = []
        for id in self.channels.keys.sorted() {
            guard let deadline = self.channels[id]?.openDeadline, now >= deadline else { continue }
            self.channels[id]?.openDeadline = nil
            // Keep the entry: a late confirmation must still be answered with CHANNEL_CLOSE.
            guard self.channels[id]?.userNotified == false else { continue }
            self.channels[id]?.userNotified = true
            actions += [
                .channelOpenFailed(ChannelID(id), reason: nil), .channelClosed(ChannelID(id)),
            ]
        }
        return actions
    }

    /// Sends what credit allows; `.channelWritable` if a backlog (queued before this write,
    /// when `backlogBefore` is given) has fully drained.
    private mutating func flush(_ id: UInt32, backlogBefore: Int? = nil) -> [CIRAServerAction] {
        guard var entry = self.channels[id] else { return [] }
        let before = backlogBefore ?? entry.flow.queuedBytes
        let chunks = entry.flow.drain()
        self.channels[id] = entry
        var actions = chunks.map {
            CIRAServerAction.send(.channelData(recipient: entry.peerID, data: $0))
        }
        if before > 0 && entry.flow.queuedBytes == 0 && !chunks.isEmpty {
            actions.append(.channelWritable(ChannelID(id)))
        }
        return actions
    }

    /// Every channel the user still owns ends now (the tunnel is going away).
    mutating func closeAllChannels() -> [CIRAServerAction] {
        let ids = self.channels.filter { !$0.value.userNotified }.keys.sorted()
        self.channels.removeAll()
        return ids.map { .channelClosed(ChannelID($0)) }
    }
}
