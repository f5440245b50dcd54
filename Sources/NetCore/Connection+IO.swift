internal import CLinux
internal import Crypto
internal import Glibc

/// The I/O engine of a connection: readiness events, reads, writes, handshakes.
extension Connection {
    /// Reads per readiness event before yielding to other connections.
    private static let readBudget = 16

    func handleEvents(_ events: UInt32) {
        guard self.state != .closed else { return }
        if self.state == .lingering {
            if events & EPOLLERR.rawValue != 0 { self.finalize(nil) } else { self.discardInput() }
            return
        }
        if events & EPOLLERR.rawValue != 0 {
            var code = Socket.pendingError(self.fd)
            if code == 0 { code = ECONNRESET }
            let function = self.state == .connecting ? "connect" : "socket"
            if self.state == .handshaking {
                self.handshakeFailed(NetError(function: function, errno: code))
            } else {
                self.finalize(NetError(function: function, errno: code))
            }
            return
        }
        let hangUp = events & EPOLLHUP.rawValue != 0
        let readable = events & EPOLLIN.rawValue != 0 || hangUp
        let writable = events & EPOLLOUT.rawValue != 0 || hangUp
        switch self.state {
        case .connecting:
            self.finishConnect()
        case .handshaking:
            self.driveHandshake()
        case .active:
            if writable { self.writable() }
            if readable && self.state == .active {
                if self.flags.contains(.writeWantsRead) {
                    self.flags.remove(.writeWantsRead)
                    self.flush()
                    self.notifyWritableIfNeeded()
                    self.updateInterest()
                }
                if self.flags.contains(.readingEnabled) {
                    self.readable()
                } else if hangUp && self.state == .active {
                    // Reset while not reading: level-triggered HUP would otherwise spin.
                    self.finalize(NetError(function: "socket", errno: ECONNRESET))
                }
            }
        case .closing:
            if writable || (readable && self.flags.contains(.writeWantsRead)) {
                self.flags.remove(.writeWantsRead)
                self.writable()
            }
            if hangUp { self.finalize(nil) }
        case .lingering, .closed:
            return
        }
    }

    /// Lingering: reads and drops input until the peer's FIN (or an error), then closes.
    func discardInput() {
        let buffer = self.loop.readBuffer
        for _ in 0..<Self.readBudget {
            guard self.state == .lingering else { return }
            let result = try? nonBlockingCall("read") {
                Glibc.read(self.fd, buffer.baseAddress, buffer.count)
            }
            switch result {
            case .wouldBlock?: return
            case .done(let count)? where count > 0: continue
            default:
                self.finalize(nil)
                return
            }
        }
    }

    func closeForShutdown() {
        self.finalize(NetError.eventLoopShutDown)
    }

    /// A TLS connection whose reading budget ran out, or whose reading was re-enabled.
    func readAgainNow() {
        guard self.state == .active, self.flags.contains(.readingEnabled) else { return }
        self.readable()
    }

    // MARK: - Connect and handshake

    func finishConnect() {
        let code = Socket.pendingError(self.fd)
        if code != 0 {
            self.finalize(NetError(function: "connect", errno: code))
            return
        }
        if self.tls != nil {
            self.state = .handshaking
            self.driveHandshake()
        } else {
            self.becomeActive()
        }
    }

    func driveHandshake() {
        guard self.state == .handshaking, let tls = self.tls else { return }
        do {
            switch try tls.handshake() {
            case .complete:
                self.becomeActive()
            case .wantRead:
                self.flags.remove(.stepWantsWrite)
                self.updateInterest()
            case .wantWrite:
                self.flags.insert(.stepWantsWrite)
                self.updateInterest()
            case .closed:
                self.handshakeFailed(NetError.closedDuringHandshake)
            }
        } catch {
            self.handshakeFailed(error)
        }
    }

    /// The handshake (or connect) deadline passed.
    func deadlinePassed() {
        switch self.state {
        case .connecting: self.finalize(NetError.connectTimeout)
        case .handshaking: self.handshakeFailed(NetError.handshakeTimeout)
        default: return
        }
    }

    // MARK: - Reading

    func readable() {
        if let tls = self.tls {
            self.readTLS(tls)
        } else {
            self.readPlain()
        }
    }

    private func readPlain() {
        let buffer = self.loop.readBuffer
        for _ in 0..<Self.readBudget {
            guard self.state == .active, self.flags.contains(.readingEnabled) else { return }
            let result: IOResult
            do {
                result = try nonBlockingCall("read") {
                    Glibc.read(self.fd, buffer.baseAddress, buffer.count)
                }
            } catch {
                self.finalize(error)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .done(0):
                self.peerClosed()
                return
            case .done(let count):
                self.deliver(count)
                // A short read drained the socket; level-triggered epoll reports any more.
                if count < buffer.count { return }
            }
        }
    }

    private func readTLS(_ tls: TLSSession) {
        let buffer = self.loop.readBuffer
        for _ in 0..<Self.readBudget {
            guard self.state == .active, self.flags.contains(.readingEnabled) else { return }
            let result: TLSTransfer
            do {
                result = try tls.read(into: buffer)
            } catch {
                self.finalize(error)
                return
            }
            switch result {
            case .bytes(let count):
                self.deliver(count)
            case .wantRead:
                self.flags.remove(.readWantsWrite)
                self.updateInterest()
                return
            case .wantWrite:
                self.flags.insert(.readWantsWrite)
                self.updateInterest()
                return
            case .closed:
                self.peerClosed()
                return
            }
        }
        // Budget spent: more decrypted records may wait in the session; continue next turn.
        if self.state == .active && self.flags.contains(.readingEnabled) {
            self.loop.scheduleReadAgain(self)
        }
    }

    private func deliver(_ count: Int) {
        let bytes = UnsafeRawBufferPointer(start: self.loop.readBuffer.baseAddress, count: count)
        self.callHandler { $0.connectionRead(self, lent: bytes) }
    }

    /// End of stream from the peer: send what is still queued, then report an orderly close.
    private func peerClosed() {
        if self.pendingWriteBytes > 0 {
            self.beginClosing()
        } else {
            self.finalize(nil)
        }
    }

    // MARK: - Writing

    private enum WriteStep {
        case wrote(Int)
        case blocked
        case failed
    }

    /// One write attempt from `buffer`; a TLS retry after `.blocked` must pass the same bytes.
    private func writeOnce(_ buffer: UnsafeRawBufferPointer) -> WriteStep {
        if let tls = self.tls {
            do {
                switch try tls.write(buffer) {
                case .bytes(let count): return .wrote(count)
                case .wantWrite: return .blocked
                case .wantRead:
                    self.flags.insert(.writeWantsRead)
                    return .blocked
                case .closed:
                    self.finalize(nil)
                    return .failed
                }
            } catch {
                self.finalize(error)
                return .failed
            }
        }
        do {
            let result = try nonBlockingCall("send") {
                send(self.fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            switch result {
            case .done(let count): return .wrote(count)
            case .wouldBlock: return .blocked
            }
        } catch {
            self.finalize(error)
            return .failed
        }
    }

    /// Writes straight from the caller's bytes while nothing is queued. Returns how many
    /// were taken, or nil when the connection failed.
    func writeDirect(_ bytes: [UInt8]) -> Int? {
        var written = 0
        while written < bytes.count {
            let step = bytes.withUnsafeBytes { raw in
                self.writeOnce(UnsafeRawBufferPointer(rebasing: raw[written...]))
            }
            switch step {
            case .wrote(let count): written += count
            case .blocked: return written
            case .failed: return nil
            }
        }
        return written
    }

    func enqueue(_ bytes: [UInt8], from offset: Int) {
        if let queue = self.queue {
            queue.append(bytes)
        } else {
            self.queue = WriteQueue(bytes, from: offset)
        }
    }

    /// Sends queued bytes until the socket is full or the queue is empty (then frees it).
    func flush() {
        while let queue = self.queue {
            let offset = queue.headOffset
            let step = queue.chunks[queue.headIndex].withUnsafeBytes { raw in
                self.writeOnce(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            guard case .wrote(let count) = step else { return }
            if queue.consume(count) { self.queue = nil }
        }
    }

    /// The socket became writable (or a TLS read that needed to write can go on).
    private func writable() {
        if self.flags.contains(.readWantsWrite) {
            self.flags.remove(.readWantsWrite)
            if self.state == .active && self.flags.contains(.readingEnabled) { self.readable() }
        }
        guard self.state == .active || self.state == .closing else { return }
        self.flush()
        switch self.state {
        case .closing:
            if self.pendingWriteBytes == 0 {
                self.flags.remove(.stepWantsWrite)
                self.finishClosing()
                return
            }
        case .active:
            self.notifyWritableIfNeeded()
        default:
            return
        }
        self.updateInterest()
    }

    /// Announces `connectionWritable` once pending bytes fell below the low-water mark after
    /// having reached the high-water mark.
    func notifyWritableIfNeeded() {
        guard self.state == .active, self.flags.contains(.owesWritable),
            self.pendingWriteBytes < self.writeLowWaterMark
        else { return }
        self.flags.remove(.owesWritable)
        self.callHandler { $0.connectionWritable(self) }
    }
}
