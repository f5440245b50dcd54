// SPDX-License-Identifier: Apache-2.0

import RPC
import Testing

@Suite struct SubscriptionsTests {
    static func setUp() -> (Subscriptions, RPCDispatcher) {
        let subscriptions = Subscriptions(topics: [.devices, RPCTopic(rawValue: "alarms")])
        let dispatcher = RPCDispatcher()
        subscriptions.registerMethods(on: dispatcher)
        return (subscriptions, dispatcher)
    }

    static func call(_ method: String, _ topics: String, id: Int = 1) -> String {
        #"{"jsonrpc":"2.0","method":"\#(method)","params":{"topics":\#(topics)},"id":\#(id)}"#
    }

    static func topics(_ list: String, id: Int = 1) -> String {
        #"{"jsonrpc":"2.0","result":{"topics":\#(list)},"id":\#(id)}"#
    }

    /// Subscribe and unsubscribe are idempotent and answer the connection's topics, sorted.
    @Test func subscribeAndUnsubscribe() async {
        let (subs, d) = Self.setUp()
        let a = RPCConnectionID(1)
        let b = RPCConnectionID(2)
        subs.connectionOpened(a)
        subs.connectionOpened(b)
        let ca = context(connection: a)
        #expect(await d.call(Self.call("subscribe", #"["devices"]"#), ca) == Self.topics(#"["devices"]"#))
        #expect(
            await d.call(Self.call("subscribe", #"["devices","alarms"]"#), ca)
                == Self.topics(#"["alarms","devices"]"#)
        )
        #expect(
            await d.call(Self.call("subscribe", #"["devices"]"#), context(connection: b))
                == Self.topics(#"["devices"]"#)
        )
        #expect(subs.subscribers(of: .devices) == [a, b])
        #expect(subs.subscribers(of: RPCTopic(rawValue: "alarms")) == [a])
        #expect(await d.call(Self.call("unsubscribe", #"["devices"]"#), ca) == Self.topics(#"["alarms"]"#))
        #expect(await d.call(Self.call("unsubscribe", #"["devices"]"#), ca) == Self.topics(#"["alarms"]"#))
        #expect(subs.subscribers(of: .devices) == [b])
        #expect(subs.topics(of: a) == [RPCTopic(rawValue: "alarms")])
        subs.connectionClosed(b)
        #expect(subs.subscribers(of: .devices) == [])
    }

    @Test func badTopicsAndTransports() async {
        let (subs, d) = Self.setUp()
        let a = RPCConnectionID(7)
        subs.connectionOpened(a)
        let ca = context(connection: a)
        let invalid = { (field: String, reason: String) in
            errorJSON(
                -32602,
                "Invalid params",
                data: #"{"field":"\#(field)","reason":"\#(reason)"}"#,
                id: "1"
            )
        }
        #expect(
            await d.call(Self.call("subscribe", #"["devices","nope"]"#), ca)
                == invalid("topics[1]", "unknown topic")
        )
        #expect(subs.topics(of: a) == [])  // all or nothing
        #expect(await d.call(Self.call("subscribe", "[]"), ca) == invalid("topics", "must not be empty"))
        #expect(
            await d.call(Self.call("subscribe", #""devices""#), ca) == invalid("topics", "expected an array")
        )
        #expect(
            await d.call(#"{"jsonrpc":"2.0","method":"subscribe","id":1}"#, ca)
                == invalid("topics", "missing")
        )
        // Over HTTP there is no connection to push to.
        let notAvailable = errorJSON(-32011, "Not available on this connection", id: "1")
        #expect(await d.call(Self.call("subscribe", #"["devices"]"#)) == notAvailable)
        // A subscribe finishing after the socket closed leaves nothing behind.
        subs.connectionClosed(a)
        #expect(await d.call(Self.call("subscribe", #"["devices"]"#), ca) == notAvailable)
        #expect(subs.subscribers(of: .devices) == [])
        #expect(RPCTopic.devices.notificationMethod == "devices.changed")
    }
}
