// APF: channels the MPS opens on the device side, with strict window accounting (§6, §9).

/// One channel opened by the MPS, from its confirmation until both closes.
struct CIRADeviceChannel: Sendable {
    let mpsID: UInt32
    let port: UInt32
    /// We sent CHANNEL_CLOSE and wait for the MPS's.
    var closing = false
    var flow: APFChannelFlow
}

extension CIRADeviceSession {
    /// Queues bytes on a channel and sends what the MPS's credit allows.
    /// - Throws: `.channelClosed` for an unknown or closing channel.
    public mutating func send(
        _ bytes: [UInt8],
        on channel: ChannelID
    ) throws(CIRAChannelError) -> [CIRADeviceAction] {
        guard let entry = self.channels[channel.rawValue], !entry.closing, self.state != .closed
        else { throw .channelClosed }
        self.channels[channel.rawValue]?.flow.enqueue(bytes)
        return self.flush(channel.rawValue, backlogBefore: entry.flow.queuedBytes)
    }

    /// Bytes written to a channel but not yet sent for lack of credit (0 if unknown).
    public func queuedBytes(on channel: ChannelID) -> Int {
        self.channels[channel.rawValue]?.flow.queuedBytes ?? 0
    }

    /// Channels currently known (open or closing).
    public var channelCount: Int { self.channels.count }

    /// Closes a channel from the device side; CHANNEL_CLOSE is sent once.
    public mutating func close(_ channel: ChannelID) -> [CIRADeviceAction] {
        guard var entry = self.channels[channel.rawValue], !entry.closing else { return [] }
        entry.closing = true
        entry.flow.discardQueue()
        self.channels[channel.rawValue] = entry
        return [.send(.channelClose(recipient: entry.mpsID)), .channelClosed(channel)]
    }

    // MARK: - MPS messages for channels

    mutating func channelRequested(
        type: String,
        peer: UInt32,
        window: UInt32,
        port: UInt32
    ) -> [CIRADeviceAction] {
        let refuse = { (reason: APFChannelOpenFailureReason) -> [CIRADeviceAction] in
            [.send(.channelOpenFailure(recipient: peer, reason: reason))]
        }
        guard type == APFConstants.forwardedChannelType else {
            return refuse(.unknownChannelType)
        }
        let served = self.configuration.servedPorts ?? Set(self.acceptedPorts)
        guard served.contains(port) else { return refuse(.connectFailed) }
        guard self.channels.count < self.configuration.maxChannels else {
            return refuse(.resourceShortage)
        }
        // §9 item 7: the lowest free id, reused as soon as it is free (as AMT may).
        var id: UInt32 = 0
        while self.channels[id] != nil { id += 1 }
        var flow = APFChannelFlow(receiveWindow: self.configuration.receiveWindow)
        flow.peerOpened(window: window)
        self.channels[id] = CIRADeviceChannel(mpsID: peer, port: port, flow: flow)
        return [
            .send(
                .channelOpenConfirmation(
                    recipient: peer,
                    sender: id,
                    initialWindow: self.configuration.receiveWindow
                )
            ),
            .channelOpened(ChannelID(id), port: port),
        ]
    }

    mutating func channelReceived(_ id: UInt32, data: [UInt8]) -> [CIRADeviceAction] {
        guard let entry = self.channels[id], !entry.closing else { return [] }
        switch self.channels[id]?.flow.received(data.count) {
        case .overrun:
            return self.fail("MPS overran the channel window")
        case .accepted(let adjust):
            var actions: [CIRADeviceAction] =
                data.isEmpty ? [] : [.channelData(ChannelID(id), data)]
            if let adjust {
                actions.append(.send(.windowAdjust(recipient: entry.mpsID, bytes: adjust)))
            }
            return actions
        case nil:
            return []
        }
    }

    mutating func channelWindowAdjusted(_ id: UInt32, bytes: UInt32) -> [CIRADeviceAction] {
        guard let entry = self.channels[id], !entry.closing else { return [] }
        self.channels[id]?.flow.addCredit(bytes)
        return self.flush(id, backlogBefore: entry.flow.queuedBytes)
    }

    mutating func channelClosedByPeer(_ id: UInt32) -> [CIRADeviceAction] {
        guard let entry = self.channels[id] else { return [] }
        self.channels[id] = nil
        if entry.closing { return [] }
        return [.send(.channelClose(recipient: entry.mpsID)), .channelClosed(ChannelID(id))]
    }

    private mutating func flush(_ id: UInt32, backlogBefore: Int) -> [CIRADeviceAction] {
        guard var entry = self.channels[id] else { return [] }
        let chunks = entry.flow.drain()
        self.channels[id] = entry
        var actions = chunks.map {
            CIRADeviceAction.send(.channelData(recipient: entry.mpsID, data: $0))
        }
        if backlogBefore > 0 && entry.flow.queuedBytes == 0 && !chunks.isEmpty {
            actions.append(.channelWritable(ChannelID(id)))
        }
        return actions
    }

    mutating func closeAllChannels() -> [CIRADeviceAction] {
        let ids = self.channels.filter { !$0.value.closing }.keys.sorted()
        self.channels.removeAll()
        return ids.map { .channelClosed(ChannelID($0)) }
    }
}
