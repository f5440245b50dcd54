public import Foundation
internal import HTTP
public import Logging
public import Store
internal import Synchronization
public import Tunnel
public import WSMAN

/// Where the WS-MAN client gets a device's stored AMT credentials from.
public protocol AMTCredentialSource: Sendable {
    func amtCredentials(for guid: String) async -> AMTCredentials?
}

/// Sends WS-MAN requests to devices over their CIRA tunnels (HTTP/1.1 with Digest on port
/// 16992, one channel per HTTP exchange), with a per-call deadline and a per-device limit on
/// concurrent calls, so that one silent device never delays another (B26, B27).
///
/// The deadline covers waiting for a slot, opening the channel and the whole HTTP exchange;
/// when it passes the caller gets ``AMTError/timeout`` at once while the abandoned exchange
/// is cancelled in the background (its channel is closed, its slot released).
public final class WSMANClient: WSMANTransport, Sendable {
    private let tunnels: TunnelManager
    private let credentials: any AMTCredentialSource
    private let timeout: Duration
    private let perDeviceLimit: Int
    private let devices = Mutex<[String: DeviceState]>([:])
    private let logger: Logger

    final class DeviceState: Sendable {
        let semaphore: AsyncSemaphore
        /// The cached challenge. Every Authorization is built under this lock, so concurrent
        /// calls under one nonce get distinct, increasing nc values (RFC 7616).
        let digest = Mutex<DigestClient?>(nil)
        init(limit: Int) { self.semaphore = AsyncSemaphore(limit) }
    }

    public init(
        tunnels: TunnelManager, credentials: any AMTCredentialSource, timeout: Duration = .seconds(30),
        perDeviceLimit: Int = 3, logger: Logger
    ) {
        self.tunnels = tunnels
        self.credentials = credentials
        self.timeout = timeout
        self.perDeviceLimit = max(1, perDeviceLimit)
        self.logger = logger
    }

    public func send(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse {
        try await self.call(guid: guid, envelope: envelope)
    }

    /// Sends one SOAP envelope and returns the parsed response (SOAP faults are thrown).
    public func call(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse {
        let guid = guid.lowercased()
        guard self.tunnels.isConnected(guid) else { throw .notConnected }
        let state = self.state(for: guid)
        do {
            return try await Deadline.run(self.timeout) {
                try await state.semaphore.wait()
                defer { state.semaphore.signal() }
                return try await self.exchange(guid: guid, envelope: envelope, state: state)
            }
        } catch let error as AMTError {
            throw error
        } catch let error as TunnelError {
            throw error == .notConnected ? .notConnected : .tunnel(error)
        } catch let error as WSMANError {
            throw .wsman(error)
        } catch let error as HTTPParserError {
            throw .unexpectedResponse("device sent invalid HTTP: \(error)")
        } catch is CancellationError {
            throw .timeout
        } catch {
            throw .unexpectedResponse("\(type(of: error))")
        }
    }

    public func resetSession(guid: String) { self.reset(guid: guid) }

    /// Forgets the cached Digest challenge (after credentials change). The per-device slot
    /// limit is kept, so calls in flight still count against it.
    public func reset(guid: String) {
        let state = self.devices.withLock { $0[guid.lowercased()] }
        state?.digest.withLock { $0 = nil }
    }

    private func state(for guid: String) -> DeviceState {
        self.devices.withLock { d in
            if let s = d[guid] { return s }
            let s = DeviceState(limit: self.perDeviceLimit)
            d[guid] = s
            return s
        }
    }

    private func exchange(guid: String, envelope: String, state: DeviceState) async throws
        -> WSMANResponse
    {
        guard let creds = await self.credentials.amtCredentials(for: guid) else {
            throw AMTError.noCredentials
        }
        let pair = (user: creds.username, password: creds.password)
        let host = "\(guid):16992"
        func begin() -> (WSMANCall, [UInt8]) {
            state.digest.withLock { cached in
                var call = WSMANCall(body: envelope, host: host, credentials: pair, cachedChallenge: cached)
                let first = call.start()
                if call.digest != nil { cached = call.digest }
                return (call, first)
            }
        }
        var (call, request) = begin()
        // At most two WSMANCall flows (a restart when another call adopted the same new
        // nonce first), each of at most WSMANCall.maxAttempts requests.
        var restarts = 0
        while true {
            let response = try await self.roundTrip(guid: guid, request: request)
            switch call.responseReceived(response) {
            case .send(let next):
                let adopted = call.digest
                let sameNonce = state.digest.withLock { cached -> Bool in
                    if let cached, cached.challenge.nonce == adopted?.challenge.nonce { return true }
                    cached = adopted
                    return false
                }
                if sameNonce && restarts == 0 {
                    restarts += 1
                    (call, request) = begin()
                } else {
                    request = next
                }
            case .done(let parsed):
                return parsed
            case .failed(let error):
                if case .unauthorized = error { state.digest.withLock { $0 = nil } }
                throw AMTError.wsman(error)
            }
        }
    }

    /// One HTTP request/response on a fresh channel to port 16992.
    private func roundTrip(guid: String, request: [UInt8]) async throws -> HTTPResponse {
        let channel = try await self.tunnels.openChannel(guid: guid, port: 16992)
        defer { channel.close() }
        if Task.isCancelled { throw CancellationError() }
        channel.write(request)
        var parser = HTTPResponseParser()
        while true {
            guard let bytes = await channel.read() else {
                if Task.isCancelled { throw CancellationError() }
                if let response = try parser.finish() { return response }
                throw AMTError.tunnel(.closed)
            }
            parser.append(bytes)
            if let response = try parser.next() { return response }
        }
    }
}
