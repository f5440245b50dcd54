import Foundation
import HTTP
import Logging
import NetCore
import Synchronization
import Testing
import Web

/// The HTTP server's WebSocket upgrade: handshake, echo both ways, pings, close handshake,
/// bytes that arrive in the same read as the upgrade request, refusal before upgrade.
@Suite struct WebSocketServerTests {
    final class Client: ConnectionHandler, @unchecked Sendable {
        let request: [UInt8]
        let events = Mutex<[String]>([])
        var parser = HTTPResponseParser()
        var upgraded = false
        var decoder = WebSocketFrameDecoder(role: .client)
        let encoder = WebSocketFrameEncoder(role: .client)
        var status: Int?
        var pendingAfterUpgrade: [[UInt8]]
        weak var connection: Connection?

        init(request: [UInt8], after: [[UInt8]]) {
            self.request = request
            self.pendingAfterUpgrade = after
        }

        func connectionActive(_ connection: Connection) {
            self.connection = connection
            connection.write(self.request)
        }

        func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
            var rest = bytes
            if !self.upgraded {
                self.parser.append(bytes)
                guard let r = try? self.parser.next() else { return }
                self.status = r.status
                self.events.withLock { $0.append("status \(r.status)") }
                guard r.status == 101 else { return }
                self.upgraded = true
                rest = []
                for frame in self.pendingAfterUpgrade { connection.write(frame) }
            }
            self.decoder.append(rest)
            while let m = try? self.decoder.next() {
                switch m {
                case .text(let t): self.events.withLock { $0.append("text \(t)") }
                case .binary(let b):
                    self.events.withLock { $0.append("binary \(b.count)") }
                    // Close once the last reply has arrived, as a real client would.
                    connection.write(self.encoder.encode(.close(code: 1000, reason: "bye")))
                case .pong(let p): self.events.withLock { $0.append("pong \(p.count)") }
                case .close(let code, _): self.events.withLock { $0.append("close \(code)") }
                case .ping: break
                }
            }
        }

        func connectionWritable(_ connection: Connection) {}
        func connectionClosed(_ connection: Connection, error: (any Error)?) {
            self.events.withLock { $0.append("closed") }
        }
    }

    static func handshake(path: String, extra: [UInt8] = []) -> [UInt8] {
        Array("""
            GET \(path) HTTP/1.1\r
            Host: localhost\r
            Upgrade: websocket\r
            Connection: Upgrade\r
            Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r
            Sec-WebSocket-Version: 13\r
            \r

            """.utf8) + extra
    }

    func withServer(_ body: (Int, EventLoop) async throws -> Void) async throws {
        let group = try EventLoopGroup(threads: 1)
        var app = WebApplication(router: Router(), apiKeys: NoKeys(), secure: false)
        app.webSockets["/echo"] = { context in
            guard context.request.queryValue("ok") == "1" else { throw APIError.unauthorized }
            return WebSocketAccept { channel in
                while let m = await channel.receive() {
                    switch m {
                    case .text(let t): await channel.send(text: "echo " + t)
                    case .binary(let b): await channel.send(binary: b.reversed())
                    default: break
                    }
                }
            }
        }
        let server = try HTTPServer(
            host: "127.0.0.1", port: 0, tls: nil, group: group,
            configuration: HTTPServerConfiguration(secure: false),
            logger: Logger(label: "test", level: .critical)
        ) { [app] context in await app.respond(context) }
        try await body(server.port, group.next())
        server.close()
        group.shutdown()
    }

    struct NoKeys: APIKeyVerifier {
        func verify(apiKey: String) async -> String? { nil }
    }

    func run(_ port: Int, _ loop: EventLoop, _ client: Client) {
        loop.execute {
            ClientBootstrap.connect(host: "127.0.0.1", port: port, tls: nil, serverName: nil, on: loop, handler: client)
        }
    }

    @Test func echoesTextBinaryAndAnswersPingAndClose() async throws {
        try await withServer { port, loop in
            let enc = WebSocketFrameEncoder(role: .client)
            let client = Client(request: Self.handshake(path: "/echo?ok=1"), after: [
                enc.encode(.text("hello")), enc.encode(.binary([1, 2, 3])), enc.encode(.ping([9, 9])),
            ])
            self.run(port, loop, client)
            #expect(await eventually { client.events.withLock { $0.contains("closed") } })
            let events = client.events.withLock { $0 }
            // The pong is sent by the connection at once; echoes come from the session.
            #expect(events.filter { !$0.hasPrefix("pong") }
                == ["status 101", "text echo hello", "binary 3", "close 1000", "closed"])
            #expect(events.contains("pong 2"))
        }
    }

    @Test func framesInTheSameReadAsTheUpgradeAreKept() async throws {
        try await withServer { port, loop in
            let enc = WebSocketFrameEncoder(role: .client)
            let client = Client(
                request: Self.handshake(path: "/echo?ok=1", extra: enc.encode(.text("early"))), after: [])
            self.run(port, loop, client)
            #expect(await eventually { client.events.withLock { $0.contains("text echo early") } })
        }
    }

    @Test func refusalIsAnHTTPErrorAndNoUpgrade() async throws {
        try await withServer { port, loop in
            let client = Client(request: Self.handshake(path: "/echo"), after: [])
            self.run(port, loop, client)
            #expect(await eventually { client.events.withLock { $0.contains("status 401") } })
        }
    }
}
