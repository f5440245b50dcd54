// SPDX-License-Identifier: Apache-2.0

internal import APF
internal import Crypto
public import Logging
public import NetCore
internal import Synchronization

/// Many simulated AMT devices dialling one MPS over CIRA, spread over a group's loops.
///
/// Each device keeps a small, loop-confined state (no thread or task per device), so one
/// process runs 10,000 of them on two loops. New connections are paced fleet-wide
/// (`connectionsPerSecond`, default 500), which covers both the start and reconnect storms.
/// The fleet connects only to the host it is given. It does not verify the MPS certificate
/// unless a trusted root is given, and then checks the chain only (AMT's name check against
/// its configured MPS address is not modelled).
public final class SimulatedFleet: Sendable {
    /// Every device handle, in configuration order.
    public let devices: [SimulatedDeviceHandle]
    private let byGUID: [String: SimulatedDeviceHandle]
    private let context: FleetContext
    private let loops: [LoopShare]
    private let stopped = Mutex(false)

    /// One loop's devices, reachable from any thread, and how many there are.
    private struct LoopShare: Sendable {
        let devices: LoopBound<LoopDevices>
        let count: Int

        func submit(_ body: @escaping @Sendable (LoopDevices) -> Void) async throws {
            try await self.devices.submit(body)
        }
    }

    /// - Parameters:
    ///   - mpsHost: a numeric address or "localhost".
    ///   - trustedRootPEM: verify the MPS's chain against these roots; nil = no verification.
    ///   - connectionsPerSecond: fleet-wide pace of new connection attempts.
    ///   - tlsMaximum: the newest TLS version offered (1.2 is what most AMT firmware speaks).
    public init(
        devices: [SimulatedDevice],
        mpsHost: String,
        mpsPort: Int,
        group: EventLoopGroup,
        logger: Logger,
        trustedRootPEM: String? = nil,
        connectionsPerSecond: Int = 500,
        tlsMaximum: SimulatorTLSMaximum = .tls1_3
    ) {
        var tls: TLSContext?
        do {
            tls = try Self.makeTLSContext(trustedRootPEM: trustedRootPEM, maximum: tlsMaximum)
        } catch {
            logger.error(
                "cannot create the TLS client context; devices will not connect",
                metadata: ["error": "\(error)"]
            )
        }
        let context = FleetContext(
            host: mpsHost,
            port: mpsPort,
            tls: tls,
            logger: logger,
            counters: FleetCounters()
        )
        let loops = group.loops
        let perLoop = Double(max(1, connectionsPerSecond)) / Double(loops.count)
        let shares = loops.map { LoopDevices(pacer: ConnectPacer(loop: $0, perSecond: perLoop)) }
        var handles: [SimulatedDeviceHandle] = []
        var byGUID: [String: SimulatedDeviceHandle] = [:]
        for (index, device) in devices.enumerated() {
            let loop = loops[index % loops.count]
            let share = shares[index % loops.count]
            let runner = DeviceRunner(
                device: device,
                shared: DeviceShared(device),
                context: context,
                loop: loop,
                pacer: share.pacer
            )
            share.runners.append(runner)
            let handle = SimulatedDeviceHandle(
                guid: runner.endpoint.model.guid,
                shared: runner.shared,
                runner: LoopBound(runner, loop: loop)
            )
            handles.append(handle)
            if byGUID[handle.guid] == nil { byGUID[handle.guid] = handle }
        }
        self.devices = handles
        self.byGUID = byGUID
        self.context = context
        self.loops = zip(shares, loops).map {
            LoopShare(devices: LoopBound($0, loop: $1), count: $0.runners.count)
        }
    }

    /// Checks that a PEM holds at least one usable trusted root.
    /// - Throws: the TLS library's error.
    public static func validateTrustedRoot(_ pem: String) throws {
        _ = try Self.makeTLSContext(trustedRootPEM: pem)
    }

    private static func makeTLSContext(
        trustedRootPEM: String?, maximum: SimulatorTLSMaximum = .tls1_3
    ) throws -> TLSContext {
        try TLSContext.client(
            trustedRootsPEM: trustedRootPEM, verifyPeer: trustedRootPEM != nil,
            maximumVersion: maximum == .tls1_2 ? .tls1_2 : .tls1_3)
    }

    /// Lowercase GUIDs for `count` devices: `first`, then `first` + 1, + 2, … in its last
    /// 12 hex digits (wrapping within them). Empty if `first` is not a UUID or `count` < 1.
    public static func derivedGUIDs(first: String, count: Int) -> [String] {
        guard count > 0, let canonical = APFGUID.normalize(first) else { return [] }
        let prefix = canonical.prefix(24)
        guard let node = UInt64(canonical.suffix(12), radix: 16) else { return [] }
        let mask: UInt64 = 0xFFFF_FFFF_FFFF
        return (0..<count).map { i in
            let value = String((node &+ UInt64(i)) & mask, radix: 16)
            return prefix + String(repeating: "0", count: 12 - value.count) + value
        }
    }

    /// Starts connecting every device (paced). Calling it again does nothing more.
    public func start() {
        for handle in self.devices {
            handle.runner.execute { $0.requestConnect() }
        }
    }

    /// Closes every tunnel and returns once all are closed; the devices stay down.
    public func stop() async {
        let first = self.stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        let latch = CountdownLatch(self.devices.count)
        for loop in self.loops {
            do {
                try await loop.submit { $0.stopAll(latch) }
            } catch {
                latch.arrive(loop.count)  // the loop is gone, and its connections with it
            }
        }
        await latch.wait()
    }

    /// Devices whose tunnel is up: USERAUTH_SUCCESS received and every forward answered.
    public var authenticatedCount: Int { self.context.counters.tunnels.load(ordering: .relaxed) }

    /// The device with this GUID (any case), for tests.
    public func device(_ guid: String) -> SimulatedDeviceHandle? {
        self.byGUID[APFGUID.normalize(guid) ?? guid.lowercased()]
    }

    /// Totals over the fleet, for the periodic summary line.
    public var summary: FleetSummary {
        var total = FleetSummary()
        for handle in self.devices {
            let s = handle.status
            total.devices += 1
            if s.isConnected { total.connected += 1 }
            total.connects += s.connects
            total.disconnects += s.disconnects
            total.authFailures += s.authFailures
            total.connectFailures += s.connectFailures
            total.keepAlivesSent += s.keepAlivesSent
            total.requestsServed += s.requestsServed
        }
        return total
    }
}

/// Fleet totals (sums of ``SimulatedDeviceStatus`` counters).
public struct FleetSummary: Sendable, Equatable, CustomStringConvertible {
    public var devices = 0
    public var connected = 0
    public var connects = 0
    public var disconnects = 0
    public var authFailures = 0
    public var connectFailures = 0
    public var keepAlivesSent = 0
    public var requestsServed = 0

    public var description: String {
        "devices=\(self.devices) connected=\(self.connected) connects=\(self.connects) "
            + "disconnects=\(self.disconnects) authFailures=\(self.authFailures) "
            + "connectFailures=\(self.connectFailures) keepAlives=\(self.keepAlivesSent) "
            + "requests=\(self.requestsServed)"
    }
}

/// The devices and pacer of one loop. Loop-confined.
final class LoopDevices {
    let pacer: ConnectPacer
    var runners: [DeviceRunner] = []

    init(pacer: ConnectPacer) { self.pacer = pacer }

    func stopAll(_ latch: CountdownLatch) {
        self.pacer.clear()
        for runner in self.runners { runner.stop { latch.arrive(1) } }
    }
}

/// Counts arrivals down to zero and then wakes the one waiter.
final class CountdownLatch: Sendable {
    private struct State {
        var remaining: Int
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    init(_ count: Int) { self.state = Mutex(State(remaining: count)) }

    func arrive(_ n: Int) {
        let waiter = self.state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.remaining -= n
            guard s.remaining <= 0 else { return nil }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = self.state.withLock { s -> Bool in
                if s.remaining <= 0 { return true }
                s.waiter = c
                return false
            }
            if done { c.resume() }
        }
    }
}
