import Crypto
import Foundation
import HTTP
import NetCore
import Synchronization

/// A WebSocket client for relay tests, on loopback: the upgrade, binary frames both ways, the
/// close code, and a switch to stop reading (a slow browser). Loop-confined handler; the test
/// reads its state under a lock.
final class RelayTestClient: ConnectionHandler, @unchecked Sendable {
    struct State {
        var status: Int?
        var headers = HTTPHeaders()
        var received: [UInt8] = []
        var closeCode: UInt16?
        var closed = false
        var receivedAt: ContinuousClock.Instant?
    }

    let state = Mutex(State())
    private let request: [UInt8]
    private var parser = HTTPResponseParser()
    private var upgraded = false
    private var decoder = WebSocketFrameDecoder(role: .client)
    private let encoder = WebSocketFrameEncoder(role: .client)
    private weak var connection: Connection?
    let loop: EventLoop

    private init(request: [UInt8], loop: EventLoop) {
        self.request = request
        self.loop = loop
    }

    /// Connects and sends the upgrade for `path`; waits for the response status.
    static func open(
        _ t: TestServer, path: String, headers: [(String, String)] = []
    ) async throws -> RelayTestClient {
        var head = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
        head += "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        head += "Sec-WebSocket-Version: 13\r\n"
        for (n, v) in headers { head += "\(n): \(v)\r\n" }
        head += "\r\n"
        let loop = t.server.group.next()
        let client = RelayTestClient(request: Array(head.utf8), loop: loop)
        let tls = try TLSContext.client(trustedRootsPEM: t.server.certificates.rootPEM, verifyPeer: true)
        loop.execute {
            ClientBootstrap.connect(
                host: "127.0.0.1", port: t.server.webPort, tls: tls, serverName: "localhost",
                on: loop, handler: client)
        }
        guard await eventually(.seconds(10), { client.status != nil || client.isClosed }) else {
            throw TestError("no upgrade response")
        }
        return client
    }

    var status: Int? { self.state.withLock { $0.status } }
    var isClosed: Bool { self.state.withLock { $0.closed } }
    var closeCode: UInt16? { self.state.withLock { $0.closeCode } }
    var received: [UInt8] { self.state.withLock { $0.received } }
    var receivedCount: Int { self.state.withLock { $0.received.count } }
    func header(_ name: String) -> String? { self.state.withLock { $0.headers[name] } }

    /// Sends bytes as one binary frame per element.
    func send(_ messages: [UInt8]...) {
        let frames = messages.map { self.encoder.encode(.binary($0)) }
        self.loop.execute { for f in frames { self.connection?.write(f) } }
    }

    /// Waits until at least `count` bytes have arrived in all.
    func waitFor(_ count: Int, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout) { self.receivedCount >= count }
    }

    func setReading(_ enabled: Bool) { self.loop.execute { self.connection?.setReadingEnabled(enabled) } }

    /// Closes like a browser tab: a close frame, then the socket.
    func close() {
        let frame = self.encoder.encode(.close(code: 1000, reason: "bye"))
        self.loop.execute {
            self.connection?.write(frame)
            self.connection?.close()
        }
    }

    /// Drops the TCP connection without a close frame.
    func abort() { self.loop.execute { self.connection?.abort() } }

    // MARK: ConnectionHandler

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        connection.write(self.request)
    }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        var rest = bytes[...]
        if !self.upgraded {
            self.parser.append(bytes)
            guard let response = try? self.parser.next() else { return }
            self.state.withLock {
                $0.status = response.status
                $0.headers = response.headers
            }
            guard response.status == 101 else { return connection.close() }
            self.upgraded = true
            rest = []
        }
        self.decoder.append(rest)
        while let message = try? self.decoder.next() {
            switch message {
            case .binary(let b):
                self.state.withLock {
                    $0.received += b
                    $0.receivedAt = ContinuousClock.now
                }
            case .close(let code, _):
                self.state.withLock { $0.closeCode = code }
                connection.close()
            case .ping(let p): connection.write(self.encoder.encode(.pong(p)))
            default: break
            }
        }
    }

    func connectionWritable(_ connection: Connection) {}

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.state.withLock { $0.closed = true }
    }
}
