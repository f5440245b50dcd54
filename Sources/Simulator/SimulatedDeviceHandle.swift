// SPDX-License-Identifier: Apache-2.0

internal import NetCore
internal import Synchronization

/// A snapshot of one simulated device, as tests and the summary line read it.
public struct SimulatedDeviceStatus: Sendable, Equatable {
    /// DMTF PowerState of the device model.
    public var powerState: Int = 2
    /// True while the tunnel is up: authenticated and every port forward answered.
    public var isConnected = false
    /// Keep-alive interval in force, seconds.
    public var keepAliveInterval = 30
    public var keepAlivesSent = 0
    /// KEEPALIVE_REPLYs received.
    public var keepAlivesAnswered = 0
    /// HTTP responses written on WS-MAN channels (every status, 401s included).
    public var requestsServed = 0
    /// Of those, 401 challenges.
    public var unauthorizedResponses = 0
    /// USERAUTH_FAILUREs received.
    public var authFailures = 0
    /// USERAUTH_SUCCESSes received.
    public var connects = 0
    /// TLS connections that ended after being established, for any reason.
    public var disconnects = 0
    /// Connection attempts that failed before TLS was up (refused, timed out, handshake).
    public var connectFailures = 0
    /// CHANNEL_OPENs the device confirmed.
    public var channelsOpened = 0
    /// Redirection sessions (16994) that passed digest authentication.
    public var redirectionSessions = 0
    /// IDE-R: image bytes the simulated BIOS read, and the SHA-256 (hex) once it read them all.
    public var iderBytesRead = 0
    public var iderDigest: String?
    /// SOL: everything typed at the console of the latest SOL session.
    public var solReceived: [UInt8] = []
}

/// State shared between a device's loop-confined runner and its handle, under one lock.
final class DeviceShared: Sendable {
    struct State: Sendable {
        var status = SimulatedDeviceStatus()
        var faults: Set<SimulatedFault> = []
    }

    let state: Mutex<State>

    init(_ device: SimulatedDevice) {
        var initial = State()
        initial.status.powerState = device.initialPowerState
        initial.status.keepAliveInterval = Int(device.keepAlivePolicy.seconds)
        initial.faults = Set(device.faults)
        self.state = Mutex(initial)
    }

    func update(_ body: (inout SimulatedDeviceStatus) -> Void) {
        self.state.withLock { body(&$0.status) }
    }

    func hasFault(_ fault: SimulatedFault) -> Bool { self.state.withLock { $0.faults.contains(fault) } }
}

/// A loop-confined object reachable from any thread only by hopping onto its loop.
///
/// `@unchecked Sendable`: `value` is created before any thread but the creator can see the
/// box, and afterwards is touched only inside closures run by `loop.execute`/`submit`, that
/// is on the loop's own thread, one at a time. Once the loop has shut down the closures are
/// dropped (or `submit` throws), so the value is never touched concurrently.
final class LoopBound<Value: AnyObject>: @unchecked Sendable {
    let loop: EventLoop
    private let value: Value

    init(_ value: Value, loop: EventLoop) {
        self.value = value
        self.loop = loop
    }

    func execute(_ body: @escaping @Sendable (Value) -> Void) {
        self.loop.execute { body(self.value) }
    }

    func submit<T: Sendable>(_ body: @escaping @Sendable (Value) -> T) async throws -> T {
        try await self.loop.submit { body(self.value) }
    }
}

/// The test's view of one simulated device: its state and counters, and controls.
///
/// Reads are snapshots taken under a lock. Controls hop onto the device's event loop and take
/// effect there shortly after the call returns, in call order.
public final class SimulatedDeviceHandle: Sendable {
    /// Lowercase canonical GUID.
    public let guid: String
    let shared: DeviceShared
    let runner: LoopBound<DeviceRunner>

    init(guid: String, shared: DeviceShared, runner: LoopBound<DeviceRunner>) {
        self.guid = guid
        self.shared = shared
        self.runner = runner
    }

    public var status: SimulatedDeviceStatus { self.shared.state.withLock { $0.status } }
    public var powerState: Int { self.status.powerState }
    public var isConnected: Bool { self.status.isConnected }
    public var keepAlivesSent: Int { self.status.keepAlivesSent }
    public var keepAlivesAnswered: Int { self.status.keepAlivesAnswered }
    public var requestsServed: Int { self.status.requestsServed }
    public var authFailures: Int { self.status.authFailures }
    public var disconnects: Int { self.status.disconnects }
    public var connects: Int { self.status.connects }

    /// Faults in force now.
    public var faults: Set<SimulatedFault> { self.shared.state.withLock { $0.faults } }

    /// Switches a fault on. A new `.httpStatus` replaces a pending one.
    public func enable(_ fault: SimulatedFault) {
        self.shared.state.withLock { state in
            state.faults = state.faults.filter { $0.kind != fault.kind }
            state.faults.insert(fault)
        }
    }

    /// Switches a fault off (`.httpStatus` of any status).
    public func disable(_ fault: SimulatedFault) {
        self.shared.state.withLock { state in state.faults = state.faults.filter { $0.kind != fault.kind } }
    }

    /// Closes the tunnel and stays down until ``reconnect()``.
    public func disconnect() { self.runner.execute { $0.disconnect() } }

    /// Connects now (closing the current tunnel first, if any); automatic reconnects resume.
    public func reconnect() { self.runner.execute { $0.reconnect() } }

    /// Puts the device model straight into a DMTF power state (2, 3, 4, 6, 7 or 8).
    public func setPowerState(_ state: Int) { self.runner.execute { $0.setPowerState(state) } }
}
