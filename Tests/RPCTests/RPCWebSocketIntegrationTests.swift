// SPDX-License-Identifier: Apache-2.0

import HTTP
import RPC
import Testing

/// A minimal I/O layer: client frame bytes in (split any way), server frames out, decoded
/// back as a client would see them. Dispatches run inline, one at a time.
private struct Driver {
    let dispatcher: RPCDispatcher
    let context: RPCContext
    var session: RPCWebSocketSession
    var decoder: WebSocketFrameDecoder
    var output: [WebSocketMessage] = []
    var socketClosed = false
    let now = ContinuousClock.now

    init(dispatcher: RPCDispatcher, context: RPCContext, configuration: RPCWebSocketConfiguration) {
        self.dispatcher = dispatcher
        self.context = context
        self.session = RPCWebSocketSession(configuration: configuration, now: self.now)
        self.decoder = WebSocketFrameDecoder(role: .server, maxMessageSize: configuration.maxMessageSize)
    }

    mutating func feed(_ bytes: ArraySlice<UInt8>) async {
        guard !self.socketClosed else { return }
        self.decoder.append(bytes)
        while !self.socketClosed {
            let actions: [RPCWebSocketAction]
            do {
                guard let message = try self.decoder.next() else { return }
                actions = self.session.received(message, now: self.now)
            } catch {
                actions = self.session.decodingFailed(error, now: self.now)
            }
            await self.perform(actions)
        }
    }

    mutating func perform(_ actions: [RPCWebSocketAction]) async {
        for action in actions {
            switch action {
            case .dispatch(let id, let body):
                let response = await self.dispatcher.handle(body: body, context: self.context)
                await self.perform(self.session.dispatchCompleted(id, response: response, now: self.now))
            case .send(let message):
                // What the client reads back from the server's frame.
                var client = WebSocketFrameDecoder(role: .client)
                client.append(WebSocketFrameEncoder(role: .server).encode(message))
                if let decoded = try? client.next() { self.output.append(decoded) }
            case .pauseReading, .resumeReading:
                break
            case .closeConnection:
                self.socketClosed = true
            }
        }
    }
}

@Suite struct RPCWebSocketIntegrationTests {
    static func clientBytes() -> [UInt8] {
        let enc = WebSocketFrameEncoder(role: .client)
        let subscribe = Array(
            #"{"jsonrpc":"2.0","method":"subscribe","params":{"topics":["devices"]},"id":1}"#.utf8
        )
        var bytes = enc.frame(.text, Array(subscribe[..<20]), fin: false)
        bytes += enc.encode(.ping([7]))  // control frames may interleave with fragments
        bytes += enc.frame(.continuation, Array(subscribe[20...]))
        bytes += enc.encode(
            .text(#"[{"jsonrpc":"2.0","method":"unsubscribe","params":{"topics":["x"]},"id":"u"},1]"#)
        )
        bytes += enc.encode(.text(#"{"jsonrpc":"2.0","method":"subscribe","params":{"topics":["devices"]}}"#))
        bytes += enc.encode(.text("{"))
        bytes += enc.encode(.close(code: 1000, reason: "done"))
        bytes += enc.encode(.text("after close"))
        return bytes
    }

    /// The same conversation, fed whole, byte by byte and at random cuts, gives the same
    /// frames and leaves the subscription registered until the socket closes.
    @Test(arguments: Split.allCases)
    func conversation(split: Split) async {
        let subscriptions = Subscriptions()
        let dispatcher = RPCDispatcher()
        subscriptions.registerMethods(on: dispatcher)
        let id = RPCConnectionID(42)
        subscriptions.connectionOpened(id)
        var driver = Driver(
            dispatcher: dispatcher,
            context: context(connection: id),
            configuration: RPCWebSocketConfiguration()
        )
        for chunk in split.chunks(Self.clientBytes()) { await driver.feed(chunk) }
        #expect(subscriptions.subscribers(of: .devices) == [id])
        let invalid = #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}"#
        let unknownTopic =
            #"{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params","#
            + #""data":{"field":"topics[0]","reason":"unknown topic"}},"id":"u"}"#
        #expect(
            driver.output == [
                .pong([7]),
                .text(#"{"jsonrpc":"2.0","result":{"topics":["devices"]},"id":1}"#),
                .text("[\(unknownTopic),\(invalid)]"),
                .text(#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}"#),
                .close(code: 1000, reason: ""),
            ]
        )
        #expect(driver.socketClosed)
        subscriptions.connectionClosed(id)
        #expect(subscriptions.subscribers(of: .devices) == [])
    }

    /// A frame larger than the limit is refused by the decoder before it is buffered: 1009.
    @Test func oversizeFrameFromTheWire() async {
        var driver = Driver(
            dispatcher: RPCDispatcher(),
            context: context(),
            configuration: RPCWebSocketConfiguration(maxMessageSize: 1000)
        )
        let frame = WebSocketFrameEncoder(role: .client).encode(.text(String(repeating: "x", count: 1001)))
        await driver.feed(frame[...])
        #expect(driver.output == [.close(code: 1009, reason: "")])
        #expect(driver.socketClosed)
    }
}
