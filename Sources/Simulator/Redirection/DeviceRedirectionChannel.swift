// Simulator redirection: one channel to port 16994 on a simulated device (issue 5).
internal import APF
internal import Foundation

/// The device end of one redirection channel: a ``SimulatedRedirectionEndpoint`` plus, for
/// benchmarks, a "KVM stream" that replaces RFB with a bulk byte stream after the KVM start
/// (0x40 → 0x41), sent as fast as the MPS's window allows. No I/O.
struct DeviceRedirectionChannel: Sendable {
    var endpoint: SimulatedRedirectionEndpoint
    /// Stream bytes still to send (nil: ordinary RFB).
    private(set) var streamRemaining: Int?
    private let streamBytes: Int
    private var streamStarted = false
    private var pattern: [UInt8] = []
    var reportedAuthenticated = false

    static let streamChunk = 64 * 1024

    init(configuration: SimulatedRedirectionEndpoint.Configuration, streamBytes: Int) {
        self.endpoint = SimulatedRedirectionEndpoint(configuration: configuration)
        self.streamBytes = streamBytes
    }

    /// Channel bytes from the MPS.
    mutating func received(_ bytes: [UInt8], now: Date) -> RedirectionEndpointOutput {
        if self.streamStarted { return RedirectionEndpointOutput() }  // input is ignored
        if self.streamBytes > 0, self.endpoint.mode == .kvm, bytes.first == 0x40 {
            // KVM start: answer it, then stream instead of speaking RFB.
            self.streamStarted = true
            self.streamRemaining = self.streamBytes
            self.pattern = (0..<Self.streamChunk).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            return RedirectionEndpointOutput(bytes: [0x41, 0, 0, 0, 0, 0, 0, 0])
        }
        return self.endpoint.received(bytes, now: now)
    }

    mutating func tick(now: Date) -> RedirectionEndpointOutput {
        self.streamStarted ? RedirectionEndpointOutput() : self.endpoint.tick(now: now)
    }

    /// The next stream chunk, or nil when the stream is not running or is done.
    mutating func nextStreamChunk() -> [UInt8]? {
        guard let remaining = self.streamRemaining, remaining > 0 else { return nil }
        let count = min(remaining, Self.streamChunk)
        self.streamRemaining = remaining - count
        return count == self.pattern.count ? self.pattern : Array(self.pattern.prefix(count))
    }

    var streamFinished: Bool { self.streamRemaining == 0 }
}

extension DeviceConnection {
    /// The device's redirection settings for a new channel; modes already running answer BUSY.
    func redirectionConfiguration() -> SimulatedRedirectionEndpoint.Configuration {
        let device = self.runner.device
        var c = SimulatedRedirectionEndpoint.Configuration(
            username: device.amtUsername, password: device.amtPassword)
        c.busy = Set(self.redirections.values.compactMap { $0.endpoint.mode })
        return c
    }

    func openRedirection(_ id: ChannelID) {
        self.redirections[id] = DeviceRedirectionChannel(
            configuration: self.redirectionConfiguration(),
            streamBytes: self.runner.device.kvmStreamBytes)
        self.armRedirectionTimer()
    }

    func serveRedirection(_ id: ChannelID, _ bytes: [UInt8]) {
        guard var channel = self.redirections[id] else { return }
        let output = channel.received(bytes, now: Date())
        self.redirections[id] = channel
        self.apply(output, on: id)
        self.pumpStream(id)
    }

    /// Sends stream chunks while the session holds nothing back; `.channelWritable` resumes.
    func pumpStream(_ id: ChannelID) {
        while var channel = self.redirections[id], self.session.queuedBytes(on: id) == 0 {
            guard let chunk = channel.nextStreamChunk() else {
                if channel.streamFinished { self.perform(self.session.close(id)) }
                return
            }
            self.redirections[id] = channel
            do {
                self.perform(try self.session.send(chunk, on: id))
            } catch {
                return
            }
        }
    }

    private func apply(_ output: RedirectionEndpointOutput, on id: ChannelID) {
        if let channel = self.redirections[id] { self.report(channel, id) }
        if !output.bytes.isEmpty {
            do {
                self.perform(try self.session.send(output.bytes, on: id))
            } catch {
                return
            }
        }
        if output.close { self.perform(self.session.close(id)) }
    }

    /// Copies what tests look at into the shared status.
    private func report(_ channel: DeviceRedirectionChannel, _ id: ChannelID) {
        let e = channel.endpoint
        let newly = e.mode != nil && !channel.reportedAuthenticated
        if newly { self.redirections[id]?.reportedAuthenticated = true }
        self.runner.shared.update {
            if newly { $0.redirectionSessions += 1 }
            if let ider = e.ider {
                $0.iderBytesRead = ider.bytesRead
                if let digest = ider.readDigest { $0.iderDigest = digest }
            }
            if let sol = e.sol { $0.solReceived = sol.received }
        }
    }

    /// Heartbeats and KVM screen updates: every 200 ms while a redirection channel is open.
    func armRedirectionTimer() {
        guard self.redirectionTimer == nil, !self.redirections.isEmpty else { return }
        self.redirectionTimer = self.runner.loop.schedule(after: .milliseconds(200)) {
            [weak self] in
            guard let self else { return }
            self.redirectionTimer = nil
            let now = Date()
            for id in self.redirections.keys.sorted() {
                guard var channel = self.redirections[id] else { continue }
                let output = channel.tick(now: now)
                self.redirections[id] = channel
                self.apply(output, on: id)
            }
            self.armRedirectionTimer()
        }
    }
}
