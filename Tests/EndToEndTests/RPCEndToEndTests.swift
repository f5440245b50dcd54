import Crypto
import Foundation
import HTTP
import NetCore
import Store
import Synchronization
import Testing

/// A test WebSocket client over TLS: records the upgrade status, text messages and the close.
final class TestWebSocket: ConnectionHandler, @unchecked Sendable {
    struct Seen: Sendable {
        var status: Int?
        var texts: [String] = []
        var closeCode: UInt16?
        var closed = false
    }
    let request: [UInt8]
    let seen = Mutex(Seen())
    private var head: [UInt8] = []
    private var upgraded = false
    private var decoder = WebSocketFrameDecoder(role: .client)
    private let encoder = WebSocketFrameEncoder(role: .client)
    private weak var connection: Connection?
    private var loop: EventLoop?

    init(port: Int, cookie: String?, origin: String?) {
        var head = "GET /rpc HTTP/1.1\r\nHost: localhost:\(port)\r\nUpgrade: websocket\r\n"
        head += "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        head += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        if let cookie { head += "Cookie: \(cookie)\r\n" }
        if let origin { head += "Origin: \(origin)\r\n" }
        self.request = Array((head + "\r\n").utf8)
    }

    static func open(_ browser: Browser, origin: String? = nil, cookie: String?? = nil) -> TestWebSocket {
        let socket = TestWebSocket(
            port: browser.client.port, cookie: cookie ?? browser.cookie, origin: origin ?? browser.origin)
        let loop = browser.client.loop
        socket.loop = loop
        loop.execute {
            ClientBootstrap.connect(
                host: "127.0.0.1", port: browser.client.port, tls: browser.client.tls,
                serverName: "localhost", on: loop, handler: socket)
        }
        return socket
    }

    func connectionActive(_ connection: Connection) {
        self.connection = connection
        connection.write(self.request)
    }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        var rest = bytes
        if !self.upgraded {
            self.head += bytes
            let end: [UInt8] = Array("\r\n\r\n".utf8)
            guard let at = (0...max(0, self.head.count - 4)).first(where: {
                self.head.count >= 4 && Array(self.head[$0..<$0 + 4]) == end
            }) else { return }
            let line = String(decoding: self.head[..<at], as: UTF8.self).split(separator: " ")
            let status = line.count > 1 ? Int(line[1]) : nil
            self.seen.withLock { $0.status = status }
            guard status == 101 else { return connection.close() }
            self.upgraded = true
            rest = Array(self.head[(at + 4)...])
        }
        self.decoder.append(rest)
        while let message = try? self.decoder.next() {
            switch message {
            case .text(let t): self.seen.withLock { $0.texts.append(t) }
            case .close(let code, _): self.seen.withLock { $0.closeCode = code }
            default: break
            }
        }
    }

    func connectionWritable(_ connection: Connection) {}
    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        self.seen.withLock { $0.closed = true }
    }

    func send(_ object: [String: Any]) {
        let text = String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        self.loop?.execute { self.connection?.write(self.encoder.encode(.text(text))) }
    }

    /// The received messages as JSON objects.
    var messages: [[String: Any]] {
        self.seen.withLock { $0.texts }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

@Suite struct RPCEndToEndTests {
    @Test func batchesOverHTTP() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        try await browser.login("alice", TestServer.password)
        // B31: an empty batch is one Invalid Request object with a null id.
        let empty = try await browser.request("POST", "/rpc", json: [Any]())
        #expect(empty.status == 200)
        let error = empty.object["error"] as? [String: Any]
        #expect(error?["code"] as? Int == -32600)
        #expect(empty.object.keys.contains("id") && empty.object["id"] is NSNull)
        let one = try await browser.request("POST", "/rpc", json: [1])
        #expect(((one.array.first as? [String: Any])?["error"] as? [String: Any])?["code"] as? Int == -32600)
        let notifications = try await browser.request("POST", "/rpc", json: [
            ["jsonrpc": "2.0", "method": "devices.stats"], ["jsonrpc": "2.0", "method": "devices.tags"],
        ])
        #expect(notifications.status == 204)
        #expect(notifications.body.isEmpty)
        let bad = try await browser.rpc("devices.get", ["guid": "not-a-uuid"])
        let badError = bad.object["error"] as? [String: Any]
        #expect(badError?["code"] as? Int == -32010)
        #expect((badError?["data"] as? [String: Any])?["field"] as? String == "guid")
        let offline = try await browser.rpc("amt.powerState", ["guid": "11111111-2222-4333-8444-555555555555"])
        #expect((offline.object["error"] as? [String: Any])?["code"] as? Int == -32001)
        await ts.stop()
    }

    /// Device methods go through the same service and validation as REST.
    /// The admin lists give times as ISO 8601 strings (what the UI formats), not as numbers.
    @Test func adminListsGiveISOTimes() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        try await browser.login("alice", TestServer.password)
        let keys = try await browser.rpc("apiKeys.list").object["result"] as? [[String: Any]]
        let key = try #require(keys?.first)
        let created = try #require(key["createdAt"] as? String, "\(key)")
        let when = try #require(Timestamp.parse(created), "\(created)")
        #expect(abs(when.timeIntervalSinceNow) < 600)
        #expect((key["prefix"] as? String)?.hasPrefix("mps") == true)
        #expect(key["id"] == nil)
        let users = try await browser.rpc("users.list").object["result"] as? [[String: Any]]
        let alice = try #require(users?.first { $0["name"] as? String == "alice" })
        #expect((alice["createdAt"] as? String).flatMap(Timestamp.parse) != nil)
        await ts.stop()
    }

    @Test func deviceMethodsShareTheRESTRules() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        try await browser.login("alice", TestServer.password)
        let guid = "dddddddd-2222-4333-8444-555555555555"
        let created = try await browser.rpc("devices.upsert", ["guid": guid.uppercased(), "hostname": "pc-1", "tags": ["lab"]])
        let result = created.object["result"] as? [String: Any]
        #expect(result?["created"] as? Bool == true)
        #expect((result?["device"] as? [String: Any])?["guid"] as? String == guid)
        // The REST API sees the same row.
        let rest = try await ts.client.get("/api/v1/devices/\(guid)")
        #expect(rest.object["hostname"] as? String == "pc-1")
        let long = try await browser.rpc("devices.update", ["guid": guid, "hostname": String(repeating: "h", count: 300)])
        let longError = long.object["error"] as? [String: Any]
        #expect(longError?["code"] as? Int == -32010)
        #expect((longError?["data"] as? [String: Any])?["field"] as? String == "hostname")
        let action = try await browser.rpc("amt.powerAction", ["guid": guid, "action": 99])
        #expect(((action.object["error"] as? [String: Any])?["data"] as? [String: Any])?["field"] as? String == "action")
        let tags = try await browser.rpc("devices.tags")
        #expect(tags.object["result"] as? [String] == ["lab"])
        let deleted = try await browser.rpc("devices.delete", ["guid": guid])
        #expect((deleted.object["result"] as? [String: Any])?["deleted"] as? Bool == true)
        #expect(try await ts.client.get("/api/v1/devices/\(guid)").status == 404)
        let token = try await browser.rpc("redirection.token", ["guid": guid])
        #expect((token.object["error"] as? [String: Any])?["code"] as? Int == -32010)
        await ts.stop()
    }

    @Test func webSocketPushesDeviceChangesAndClosesAtLogout() async throws {
        let ts = try await TestServer.startWithUser()
        defer { ts.cleanup() }
        var browser = Browser(ts)
        try await browser.login("alice", TestServer.password)
        let socket = TestWebSocket.open(browser)
        #expect(await eventually { socket.seen.withLock { $0.status } == 101 })
        socket.send(["jsonrpc": "2.0", "method": "subscribe", "params": ["topics": ["devices"]], "id": 1])
        #expect(await eventually {
            socket.messages.contains { ($0["result"] as? [String: Any])?["topics"] as? [String] == ["devices"] }
        })
        socket.send(["jsonrpc": "2.0", "method": "session.get", "id": 2])
        #expect(await eventually {
            socket.messages.contains { ($0["result"] as? [String: Any])?["user"] as? String == "alice" }
        })

        let guid = "cccccccc-2222-4333-8444-555555555555"
        let device = try await ts.register(guid)
        let fleet = ts.fleet([device])
        let pushed = await eventually {
            socket.messages.contains { m in
                let p = m["params"] as? [String: Any]
                return m["method"] as? String == "devices.changed" && p?["guid"] as? String == guid
                    && p?["connectionStatus"] as? Bool == true
            }
        }
        #expect(pushed)
        await fleet.stop()

        #expect(try await browser.request("POST", "/auth/logout").status == 204)
        #expect(await eventually { socket.seen.withLock { $0.closeCode } == 4401 })
        #expect(await eventually { socket.seen.withLock { $0.closed } })
        await ts.stop()
    }
}
