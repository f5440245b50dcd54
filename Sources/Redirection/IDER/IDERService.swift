// Redirection: IDE-R sessions the server runs itself, offering an operator's image (issue 5).
public import Foundation
public import Logging
public import Store
public import Tunnel
internal import Synchronization

/// Why an IDE-R session could not start.
public enum IDERStartError: Error, Sendable, Equatable, CustomStringConvertible {
    case image(DiskImageError)
    case relay(RelayEndReason)

    public var description: String {
        switch self {
        case .image(let error): error.description
        case .relay(let reason): reason.description
        }
    }
}

/// Starts and stops IDE-R sessions in which the server is the disk provider: it opens the
/// device's redirection channel, authenticates with the stored AMT credentials, opens the
/// IDE-R session and serves the device's reads from a read-only image (``IDERDiskServer``).
/// One per device (the `ider` slot of ``RelaySessions``, so a browser IDE-R relay and a
/// server one exclude each other while KVM and SOL coexist). No idle timeout: an attached
/// medium may sit unread for long.
public final class IDERService: Sendable {
    public let library: DiskImageLibrary
    private let tunnels: TunnelManager
    private let sessions: RelaySessions
    private let credentials: @Sendable (String) async -> AMTCredentials?
    private let configuration: RelayConfiguration
    private let logger: Logger
    private let running = Mutex<[String: IDERRun]>([:])

    public init(
        tunnels: TunnelManager,
        sessions: RelaySessions,
        library: DiskImageLibrary,
        credentials: @escaping @Sendable (String) async -> AMTCredentials?,
        configuration: RelayConfiguration = RelayConfiguration(),
        logger: Logger
    ) {
        self.tunnels = tunnels
        self.sessions = sessions
        self.library = library
        self.credentials = credentials
        self.configuration = configuration
        self.logger = logger
    }

    /// The images an operator may offer.
    public func images() -> [DiskImageInfo] { self.library.list() }

    /// Starts serving `image` to the device; returns once the device accepted the IDE-R
    /// session (its drives are enabled).
    public func start(
        guid: String, image name: String, principal: String, remoteAddress: String
    ) async throws(IDERStartError) -> RelaySessionRecord {
        let guid = guid.lowercased()
        let image: DiskImage
        do {
            image = try self.library.open(name)
        } catch {
            throw .image(error)
        }
        let slot: RelaySession
        do {
            slot = try self.sessions.reserve(
                guid: guid, mode: .ider, principal: principal, remoteAddress: remoteAddress)
        } catch {
            image.close()
            throw .relay(error)
        }
        func fail(_ reason: RelayEndReason) -> IDERStartError {
            image.close()
            slot.finish(reason: reason.description)
            return .relay(reason)
        }
        guard let credentials = await self.credentials(guid) else { throw fail(.noCredentials) }
        let channel: TunnelChannel
        do {
            channel = try await RelayConnection.openChannel(
                tunnel: self.tunnels, guid: guid, window: self.configuration.channelWindow)
        } catch {
            throw fail(error)
        }
        let outcome = await RelayConnection.handshake(
            channel: channel, mode: .ider, credentials: credentials,
            timeout: self.configuration.handshakeTimeout)
        let leftover: [UInt8]
        switch outcome {
        case .success(let bytes): leftover = bytes
        case .failure(let failure):
            channel.close()
            throw fail(.handshakeFailed(failure))
        }
        let run = IDERRun(channel: channel, image: image, slot: slot, logger: self.logger)
        self.running.withLock { $0[guid] = run }
        self.logger.info(
            "IDE-R session started",
            metadata: [
                "device.guid": guid, "relay.mode": "ider", "relay.principal": principal,
                "remote": remoteAddress, "ider.image": image.name, "relay.id": "\(slot.id)",
            ])
        run.start(leftover: leftover) { [weak self] in
            self?.running.withLock { if $0[guid] === run { $0[guid] = nil } }
        }
        return slot.record ?? RelaySessionRecord.placeholder(guid: guid, principal: principal)
    }

    /// Stops the device's IDE-R session; false when it had none. Waits at most a few seconds
    /// for the device to acknowledge.
    @discardableResult
    public func stop(guid: String) async -> Bool {
        guard let run = self.running.withLock({ $0.removeValue(forKey: guid.lowercased()) }) else {
            return false
        }
        await run.stop()
        return true
    }

    /// Whether the server serves an image to the device now, and which.
    public func image(guid: String) -> String? {
        self.running.withLock { $0[guid.lowercased()]?.image.name }
    }

    /// Stops every session (server shutdown).
    public func stopAll() async {
        let runs = self.running.withLock { all -> [IDERRun] in
            defer { all.removeAll() }
            return Array(all.values)
        }
        for run in runs { await run.stop() }
    }
}

extension RelaySessionRecord {
    static func placeholder(guid: String, principal: String) -> RelaySessionRecord {
        RelaySessionRecord(
            id: 0, guid: guid, mode: .ider, principal: principal, remoteAddress: "",
            started: Date(), ended: nil, endReason: nil, bytesToDevice: 0, bytesToBrowser: 0)
    }
}
