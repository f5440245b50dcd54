import Crypto
import Foundation
import HTTP
import NetCore
import Synchronization
import TestSupport

/// A minimal HTTPS client for tests: one request per connection, response parsed with our own
/// HTTP response parser. Talks to loopback only.
struct TestHTTPClient: Sendable {
    let port: Int
    let loop: EventLoop
    let tls: TLSContext?
    var apiKey: String?

    struct Response: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        var text: String { String(decoding: self.body, as: UTF8.self) }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(self.body), options: [.fragmentsAllowed]) }
        var object: [String: Any] { (self.json as? [String: Any]) ?? [:] }
        var array: [Any] { (self.json as? [Any]) ?? [] }
    }

    func request(
        _ method: String, _ path: String, json: Any? = nil, headers: [(String, String)] = [],
        body raw: [UInt8]? = nil, timeout: Duration = .seconds(60)
    ) async throws -> Response {
        var body: [UInt8] = raw ?? []
        if let json { body = Array(try JSONSerialization.data(withJSONObject: json, options: [.fragmentsAllowed])) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost:\(self.port)\r\nConnection: close\r\n"
        if let key = self.apiKey { head += "X-MPS-API-Key: \(key)\r\n" }
        if json != nil { head += "Content-Type: application/json\r\n" }
        for (n, v) in headers { head += "\(n): \(v)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let bytes = Array(head.utf8) + body
        return try await withThrowingTaskGroup(of: Response?.self) { group in
            group.addTask { try await self.exchange(bytes) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw TestError("request \(method) \(path) timed out")
            }
            return response
        }
    }

    func get(_ path: String) async throws -> Response { try await self.request("GET", path) }

    private func exchange(_ bytes: [UInt8]) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let handler = OneShotHandler(request: bytes, continuation: continuation)
            self.loop.execute {
                ClientBootstrap.connect(
                    host: "127.0.0.1", port: self.port, tls: self.tls, serverName: "localhost",
                    on: self.loop, handler: handler)
            }
        }
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Sends one request and resumes with the parsed response. Loop-confined except `continuation`.
final class OneShotHandler: ConnectionHandler, @unchecked Sendable {
    let request: [UInt8]
    var continuation: CheckedContinuation<TestHTTPClient.Response, any Error>?
    var parser = HTTPResponseParser()

    init(request: [UInt8], continuation: CheckedContinuation<TestHTTPClient.Response, any Error>) {
        self.request = request
        self.continuation = continuation
    }

    func connectionActive(_ connection: Connection) { connection.write(self.request) }

    func connectionRead(_ connection: Connection, _ bytes: [UInt8]) {
        self.parser.append(bytes)
        do {
            if let r = try self.parser.next() {
                self.finish(.success(.init(status: r.status, headers: r.headers, body: r.body)))
                connection.close()
            }
        } catch {
            self.finish(.failure(error))
            connection.close()
        }
    }

    func connectionWritable(_ connection: Connection) {}

    func connectionClosed(_ connection: Connection, error: (any Error)?) {
        if let r = try? self.parser.finish() {
            self.finish(.success(.init(status: r.status, headers: r.headers, body: r.body)))
        }
        self.finish(.failure(error ?? TestError("connection closed before a response")))
    }

    private func finish(_ result: Result<TestHTTPClient.Response, any Error>) {
        guard let c = self.continuation else { return }
        self.continuation = nil
        c.resume(with: result)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` of polling passes (time the test
/// process was starved does not count, see `pollUntil(for:every:_:)`).
func eventually(
    _ timeout: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool
) async rethrows -> Bool {
    try await pollUntil(for: timeout, every: .milliseconds(50), condition)
}
