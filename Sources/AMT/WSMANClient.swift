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

/// Why a WS-MAN call failed, in terms the REST and RPC layers map to statuses.
public enum AMTError: Error, Sendable, CustomStringConvertible {
    case notConnected
    case noCredentials
    case timeout
    case tunnel(TunnelError)
    case wsman(WSMANError)
    case unexpectedResponse(String)

    public var description: String {
        switch self {
        case .notConnected: "device has no CIRA tunnel"
        case .noCredentials: "no AMT credentials are stored for the device"
        case .timeout: "device did not answer in time"
        case .tunnel(let e): "tunnel: \(e)"
        case .wsman(let e): "wsman: \(e)"
        case .unexpectedResponse(let s): "unexpected response: \(s)"
        }
    }
}

/// Sends WS-MAN requests to devices over their CIRA tunnels (HTTP/1.1 with Digest on port
/// 16992, one channel per HTTP exchange), with a per-call timeout and a per-device limit on
/// concurrent calls, so that one silent device never delays another.
public final class WSMANClient: Sendable {
    private let tunnels: TunnelManager
    private let credentials: any AMTCredentialSource
    private let timeout: Duration
    private let perDeviceLimit: Int
    private let devices = Mutex<[String: DeviceState]>([:])
    private let logger: Logger

    final class DeviceState: Sendable {
        let semaphore: AsyncSemaphore
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
        self.perDeviceLimit = perDeviceLimit
        self.logger = logger
    }

    /// Sends one SOAP envelope and returns the parsed response (SOAP faults are thrown).
    public func call(guid: String, envelope: String) async throws(AMTError) -> WSMANResponse {
        let guid = guid.lowercased()
        guard self.tunnels.isConnected(guid) else { throw .notConnected }
        let state = self.state(for: guid)
        let timeout = self.timeout
        do {
            return try await withThrowingTaskGroup(of: WSMANResponse?.self) { group in
                group.addTask {
                    try await state.semaphore.wait()
                    defer { state.semaphore.signal() }
                    return try await self.exchange(guid: guid, envelope: envelope, state: state)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw AMTError.timeout
                }
                return response
            }
        } catch let error as AMTError {
            throw error
        } catch is CancellationError {
            throw .timeout
        } catch {
            throw .unexpectedResponse("\(error)")
        }
    }

    private func state(for guid: String) -> DeviceState {
        self.devices.withLock { d in
            if let s = d[guid] { return s }
            let s = DeviceState(limit: self.perDeviceLimit)
            d[guid] = s
            return s
        }
    }

    /// Forgets cached Digest state (after credentials change).
    public func reset(guid: String) { _ = self.devices.withLock { $0.removeValue(forKey: guid.lowercased()) } }

    private func exchange(guid: String, envelope: String, state: DeviceState) async throws
        -> WSMANResponse
    {
        guard let creds = await self.credentials.amtCredentials(for: guid) else {
            throw AMTError.noCredentials
        }
        var call = WSMANCall(
            body: envelope, host: "\(guid):16992",
            credentials: (user: creds.username, password: creds.password),
            cachedChallenge: state.digest.withLock { $0 })
        var request = call.start()
        while true {
            let response = try await self.roundTrip(guid: guid, request: request)
            switch call.responseReceived(response) {
            case .send(let next):
                request = next
            case .done(let parsed):
                let digest = call.digest
                state.digest.withLock { $0 = digest }
                return parsed
            case .failed(let error):
                if case .unauthorized = error { state.digest.withLock { $0 = nil } }
                throw AMTError.wsman(error)
            }
        }
    }

    /// One HTTP request/response on a fresh channel to port 16992.
    private func roundTrip(guid: String, request: [UInt8]) async throws -> HTTPResponse {
        let channel: TunnelChannel
        do {
            channel = try await self.tunnels.openChannel(guid: guid, port: 16992)
        } catch let error as TunnelError {
            throw error == .notConnected ? AMTError.notConnected : AMTError.tunnel(error)
        }
        defer { channel.close() }
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
