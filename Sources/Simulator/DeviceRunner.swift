// SPDX-License-Identifier: Apache-2.0

internal import APF
internal import Crypto
internal import Logging
internal import NetCore

/// What every device of a fleet shares: where to connect, TLS, pacing, fleet counters.
final class FleetContext: Sendable {
    let host: String
    let port: Int
    let tls: TLSContext?
    let logger: Logger
    let counters: FleetCounters

    init(host: String, port: Int, tls: TLSContext?, logger: Logger, counters: FleetCounters) {
        self.host = host
        self.port = port
        self.tls = tls
        self.logger = logger
        self.counters = counters
    }
}

/// One simulated device over its whole life: connects, reconnects after a delay, and keeps
/// the device's WS-MAN state across tunnels. Loop-confined (not Sendable): every method runs
/// on `loop`'s thread; other threads reach it through ``LoopBound``.
final class DeviceRunner {
    let device: SimulatedDevice
    let configuration: CIRADeviceConfiguration?
    let shared: DeviceShared
    let context: FleetContext
    let loop: EventLoop
    let pacer: ConnectPacer
    let logger: Logger
    var endpoint: WSMANEndpoint

    private var current: DeviceConnection?
    private var reconnectTimer: Timer?
    private var queued = false
    /// `disconnect()` was called: no automatic reconnects until `reconnect()`.
    private var heldDown = false
    private var onStopped: (() -> Void)?
    private(set) var stopped = false

    init(
        device: SimulatedDevice,
        shared: DeviceShared,
        context: FleetContext,
        loop: EventLoop,
        pacer: ConnectPacer
    ) {
        self.device = device
        self.shared = shared
        self.context = context
        self.loop = loop
        self.pacer = pacer
        let model = DeviceModel(device)
        self.logger = context.logger.with(["device.guid": model.guid])
        self.endpoint = WSMANEndpoint(
            model: model,
            username: device.amtUsername,
            password: device.amtPassword,
            nonceLifetime: .milliseconds(Int64(device.nonceLifetimeSeconds * 1000)),
            nonceMaxUses: device.nonceMaxUses
        )
        do {
            try device.validate()
            var c = CIRADeviceConfiguration(
                uuid: model.guid,
                username: device.mpsUsername,
                password: device.mpsPassword
            )
            let policy = device.keepAlivePolicy
            c.keepAliveInterval = policy.seconds
            c.adoptsKeepAliveOptions = policy.adopts
            c.forwardedPorts = device.forwardedPorts.map { UInt32($0) }
            c.bindAddress = device.hostname
            c.receiveWindow = UInt32(device.channelWindow)
            // WS-MAN and clear redirection; others (16995 TLS included) refuse with reason 2.
            c.servedPorts = [16992, 16994]
            c.maxChannels = device.maxChannels
            self.configuration = c
        } catch {
            self.configuration = nil
            self.logger.error(
                "device configuration invalid; it will not connect",
                metadata: ["error": "\(error)"]
            )
        }
    }

    /// Queues a connection attempt with the pacer (no-op if one is pending or up).
    func requestConnect() {
        guard !self.stopped, !self.heldDown, self.configuration != nil, self.context.tls != nil,
            self.current == nil,
            !self.queued
        else { return }
        self.queued = true
        self.pacer.enqueue(self)
    }

    /// Called by the pacer when it is this device's turn.
    func pacedConnect() {
        self.queued = false
        guard !self.stopped, !self.heldDown, self.current == nil, let configuration else { return }
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        let session: CIRADeviceSession
        do {
            session = try CIRADeviceSession(configuration: configuration)
        } catch {
            return  // validated in init; unreachable
        }
        let handler = DeviceConnection(runner: self, session: session)
        self.current = handler
        self.logger.debug("connecting", metadata: ["mps": "\(self.context.host):\(self.context.port)"])
        handler.connection = ClientBootstrap.connect(
            host: self.context.host,
            port: self.context.port,
            tls: self.context.tls,
            serverName: nil,
            on: self.loop,
            handler: handler,
            timeout: .seconds(15)
        )
    }

    /// The handler's connection ended (`wasActive`: TLS had come up).
    func connectionEnded(_ handler: DeviceConnection, wasActive: Bool, tunnelWasUp: Bool, error: (any Error)?)
    {
        guard handler === self.current else { return }
        self.current = nil
        if tunnelWasUp { self.context.counters.tunnelDown() }
        let silentCleared = self.shared.state.withLock { state -> Bool in
            if wasActive { state.status.disconnects += 1 } else { state.status.connectFailures += 1 }
            state.status.isConnected = false
            // `.silent` is a property of one dead tunnel: the next one starts healthy.
            return handler.wentSilent && state.faults.remove(.silent) != nil
        }
        var metadata = ["reason": error.map { "\($0)" } ?? "closed"]
        if silentCleared { metadata["fault.silent"] = "cleared" }
        self.logger.debug(wasActive ? "tunnel closed" : "connect failed", metadata: metadata)
        if self.stopped {
            self.finishStop()
            return
        }
        if handler.reconnectImmediately {
            self.requestConnect()
        } else {
            self.scheduleReconnect()
        }
    }

    private func scheduleReconnect() {
        guard !self.heldDown, self.device.reconnectDelaySeconds > 0 else { return }
        self.reconnectTimer?.cancel()
        let delay = Duration.milliseconds(Int64(self.device.reconnectDelaySeconds * 1000))
        self.reconnectTimer = self.loop.schedule(after: delay) { [weak self] in
            self?.reconnectTimer = nil
            self?.requestConnect()
        }
    }

    func disconnect() {
        self.heldDown = true
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        self.current?.close()
    }

    func reconnect() {
        self.heldDown = false
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        if let current = self.current {
            // The close lands in connectionEnded, which reconnects after the usual delay; we
            // want it now, so queue the attempt as soon as the old tunnel is gone.
            current.reconnectImmediately = true
            current.close()
        } else {
            self.requestConnect()
        }
    }

    func setPowerState(_ state: Int) {
        guard self.endpoint.model.setPowerState(state) else { return }
        self.shared.update { $0.powerState = state }
    }

    /// Closes the tunnel for good; `done` runs once it is closed (or at once if there is none).
    func stop(_ done: @escaping () -> Void) {
        guard !self.stopped else {
            done()
            return
        }
        self.stopped = true
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        guard let current = self.current else {
            done()
            return
        }
        self.onStopped = done
        current.close()
        // A peer that stops reading could hold a flushing close for 30 s; do not wait for it.
        _ = self.loop.schedule(after: .seconds(1)) { [weak current] in current?.abort() }
    }

    private func finishStop() {
        let done = self.onStopped
        self.onStopped = nil
        done?()
    }
}
