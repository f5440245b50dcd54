internal import APF
public import Crypto
public import Foundation
public import Logging
public import NetCore
internal import Synchronization

/// Settings of the CIRA listener and its tunnels.
public struct TunnelConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 4433
    public var idleTimeout: Duration = .seconds(90)
    /// Added to the idle timeout (which is never below 3 device keep-alive intervals), so that
    /// a device sending exactly at the interval is never cut off (field fault B01).
    public var idleMargin: Duration = .seconds(15)
    public var keepAliveInterval: UInt32 = 30
    public var handshakeTimeout: Duration = .seconds(30)
    public var channelOpenTimeout: Duration = .seconds(10)
    public var maxChannelsPerDevice = 8
    public var recordLastSeen = true

    public init() {}
}

/// A device connection event, for push notifications.
public enum TunnelEvent: Sendable, Equatable {
    case connected(String)
    case disconnected(String)
}

/// The CIRA tunnel manager: accepts device TLS connections, runs one APF session each, keeps
/// the registry of which device is reachable through which connection, and opens channels.
public final class TunnelManager: Sendable {
    struct Entry: Sendable {
        let connectionID: UInt64
        let loop: EventLoop
        let ref: ConnectionRef
    }

    let configuration: TunnelConfiguration
    let sessionSettings: SharedCIRAServerConfiguration
    let authority: any TunnelAuthority
    let logger: Logger
    let recorder: StatusRecorder
    let lookups = LookupRunner()
    /// `CIRAConnection` objects alive (tests check that closed tunnels are freed).
    let connectionObjects = Atomic<Int>(0)
    private let group: EventLoopGroup
    private let tls: TLSContext?
    private let registry = Mutex<[String: Entry]>([:])
    private let listener = Mutex<Listener?>(nil)
    private let observers = Mutex<[UInt64: @Sendable (TunnelEvent) -> Void]>([:])
    private let nextObserver = Atomic<UInt64>(0)

    public init(
        configuration: TunnelConfiguration, authority: any TunnelAuthority, group: EventLoopGroup,
        tls: TLSContext?, logger: Logger
    ) {
        self.configuration = configuration
        self.sessionSettings = CIRAConnection.sessionSettings(configuration)
        self.authority = authority
        self.group = group
        self.tls = tls
        self.logger = logger
        self.recorder = StatusRecorder(authority: authority)
    }

    /// Starts listening; returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        let listener = try Listener.bind(
            host: self.configuration.host, port: self.configuration.port, tls: self.tls,
            group: self.group, handshakeTimeout: self.configuration.handshakeTimeout
        ) { [self] connection in
            CIRAConnection(connection: connection, manager: self)
        }
        self.listener.withLock { $0 = listener }
        return listener.port
    }

    /// Stops accepting, closes every tunnel and waits until the status writes are done.
    public func stop() async {
        self.listener.withLock { $0?.close(); $0 = nil }
        let entries = self.registry.withLock { Array($0.values) }
        for entry in entries {
            entry.loop.execute { entry.ref.connection?.kick(reason: .byApplication) }
        }
        try? await Task.sleep(for: .milliseconds(50))
        self.lookups.finish()
        await self.recorder.drain()
    }

    public var port: Int? { self.listener.withLock { $0?.port } }

    public func isConnected(_ guid: String) -> Bool {
        self.registry.withLock { $0[guid.lowercased()] != nil }
    }

    public var connectedCount: Int { self.registry.withLock { $0.count } }

    public func connectedGUIDs() -> [String] { self.registry.withLock { Array($0.keys) } }

    /// Ends a device's tunnel (DISCONNECT by application). False when it had none.
    @discardableResult
    public func disconnect(_ guid: String) -> Bool {
        guard let entry = self.registry.withLock({ $0[guid.lowercased()] }) else { return false }
        entry.loop.execute { entry.ref.connection?.kick(reason: .byApplication) }
        return true
    }

    /// Opens a channel to `port` on the device. Throws `TunnelError` (not connected, port not
    /// forwarded, refused, timed out) — never waits longer than the channel-open timeout.
    ///
    /// A device is listed as connected once it authenticates, a moment before its port
    /// forwards arrive (AMT sends them one at a time). A port that is missing while the device
    /// is still forwarding is waited for, up to `forwardWait`; once the device is done
    /// forwarding, a missing port fails at once (B47: a TLS-only device gets 4109 quickly).
    /// - Parameter consumerWindow: nil: the device gets window back as its bytes arrive
    ///   (WS-MAN). A value: advertise this window and give it back only as `read()` takes the
    ///   bytes, so a slow reader slows the device and at most this much is buffered (relays).
    public func openChannel(
        guid: String, port: UInt32, consumerWindow: UInt32? = nil
    ) async throws -> TunnelChannel {
        let deadline = ContinuousClock.now + Self.forwardWait
        while true {
            do {
                return try await self.openChannelOnce(guid: guid, port: port, consumerWindow: consumerWindow)
            } catch is ForwardsPending {
                guard ContinuousClock.now < deadline else { throw TunnelError.portNotForwarded(port) }
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    /// How long a channel open waits for a device that is still forwarding its ports.
    static let forwardWait: Duration = .seconds(5)

    private func openChannelOnce(
        guid: String, port: UInt32, consumerWindow: UInt32?
    ) async throws -> TunnelChannel {
        guard let entry = self.registry.withLock({ $0[guid.lowercased()] }) else {
            throw TunnelError.notConnected
        }
        return try await withCheckedThrowingContinuation { continuation in
            entry.loop.execute {
                guard let connection = entry.ref.connection else {
                    continuation.resume(throwing: TunnelError.notConnected)
                    return
                }
                connection.openChannel(
                    port: port, consumerWindow: consumerWindow, continuation: continuation)
            }
        }
    }

    /// Calls `observer` for every connect and disconnect until the returned token is removed.
    public func observe(_ observer: @escaping @Sendable (TunnelEvent) -> Void) -> UInt64 {
        let id = self.nextObserver.add(1, ordering: .relaxed).newValue
        self.observers.withLock { $0[id] = observer }
        return id
    }

    public func removeObserver(_ id: UInt64) { _ = self.observers.withLock { $0.removeValue(forKey: id) } }

    // MARK: used by connections (on their loop)

    /// Registers `connection` as the device's tunnel; returns the older connection it replaces.
    func register(uuid: String, connection: CIRAConnection, id: UInt64, loop: EventLoop) -> Entry? {
        let entry = Entry(connectionID: id, loop: loop, ref: connection.ref)
        let old = self.registry.withLock { r -> Entry? in
            defer { r[uuid] = entry }
            return r[uuid]
        }
        self.recorder.record(TunnelStatusEvent(uuid: uuid, kind: .connected, at: Date()))
        self.notify(.connected(uuid))
        return old
    }

    /// Removes the registration only if it still belongs to connection `id` (an old connection
    /// closing late must not mark a reconnected device offline).
    func unregister(uuid: String, id: UInt64) {
        let removed = self.registry.withLock { r -> Bool in
            guard r[uuid]?.connectionID == id else { return false }
            r[uuid] = nil
            return true
        }
        guard removed else { return }
        self.recorder.record(TunnelStatusEvent(uuid: uuid, kind: .disconnected, at: Date()))
        self.notify(.disconnected(uuid))
    }

    func seen(uuid: String, id: UInt64) {
        guard self.configuration.recordLastSeen,
            self.registry.withLock({ $0[uuid]?.connectionID == id })
        else { return }
        self.recorder.record(TunnelStatusEvent(uuid: uuid, kind: .seen, at: Date()))
    }

    private func notify(_ event: TunnelEvent) {
        let list = self.observers.withLock { Array($0.values) }
        for observer in list { observer(event) }
    }
}

/// A channel open found its port missing while the device is still forwarding ports.
struct ForwardsPending: Error {}
