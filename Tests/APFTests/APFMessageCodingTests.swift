// Every message encodes to the exact bytes of spec §10 and decodes back, however it is split.

import APF
import Testing

/// One spec vector: its bytes, its value, and which decoder reads it.
struct Vector: CustomStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let message: APFMessage
    let roles: [APFDecoder.Role]
    var replies: [APFReplyKind] = []
    var description: String { self.name }
}

let vectors: [Vector] = [
    Vector(
        name: "V1 PROTOCOLVERSION",
        bytes: hex("c0000000010000000000000004 33221100554477668899aabbccddeeff")
            + [UInt8](repeating: 0, count: 64),
        message: .protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID),
        roles: [.server]
    ),
    Vector(
        name: "V2 SERVICE_REQUEST auth",
        bytes: hex("05000000126175746840616d742e696e74656c2e636f6d"),
        message: .serviceRequest("auth@amt.intel.com"),
        roles: [.server]
    ),
    Vector(
        name: "V3 SERVICE_ACCEPT auth",
        bytes: hex("06000000126175746840616d742e696e74656c2e636f6d"),
        message: .serviceAccept("auth@amt.intel.com"),
        roles: [.device]
    ),
    Vector(
        name: "V4 USERAUTH_REQUEST",
        bytes: hex(
            "320000000561646d696e000000127066776440616d742e696e74656c2e636f6d"
                + "0000000870617373776f726400000000085040737377307264"
        ),
        message: authRequest,
        roles: [.server]
    ),
    Vector(
        name: "V6 USERAUTH_SUCCESS",
        bytes: [0x34],
        message: .userAuthSuccess,
        roles: [.device]
    ),
    Vector(
        name: "V7 tcpip-forward",
        bytes: hex("500000000d74637069702d666f727761726401000000046465763100004260"),
        message: .globalRequest(.tcpipForward(address: "dev1", port: 16992)),
        roles: [.server]
    ),
    Vector(
        name: "V8 REQUEST_SUCCESS(port)",
        bytes: hex("5100004260"),
        message: .requestSuccess(port: 16992),
        roles: [.device],
        replies: [.tcpipForward]
    ),
    Vector(
        name: "V9 cancel-tcpip-forward",
        bytes: hex("500000001463616e63656c2d74637069702d666f72776172640100000004646576310000170c"),
        message: .globalRequest(.cancelTcpipForward(address: "dev1", port: 5900)),
        roles: [.server]
    ),
    Vector(
        name: "V10 bare REQUEST_SUCCESS",
        bytes: [0x51],
        message: .requestSuccess(port: nil),
        roles: [.device],
        replies: [.cancelTcpipForward]
    ),
    Vector(
        name: "V11 KEEPALIVE_OPTIONS_REQUEST",
        bytes: hex("d20000001e00000000"),
        message: .keepAliveOptionsRequest(interval: 30, timeout: 0),
        roles: [.device]
    ),
    Vector(
        name: "V12 KEEPALIVE_OPTIONS_REPLY",
        bytes: hex("d30000001e00000000"),
        message: .keepAliveOptionsReply(interval: 30, timeout: 0),
        roles: [.server]
    ),
    Vector(
        name: "V13 KEEPALIVE_REQUEST",
        bytes: hex("d012345678"),
        message: .keepAliveRequest(cookie: 0x1234_5678),
        roles: [.server, .device]
    ),
    Vector(
        name: "V14 KEEPALIVE_REPLY",
        bytes: hex("d112345678"),
        message: .keepAliveReply(cookie: 0x1234_5678),
        roles: [.server, .device]
    ),
    Vector(
        name: "V15 SERVICE_REQUEST pfwd",
        bytes: hex("05000000127066776440616d742e696e74656c2e636f6d"),
        message: .serviceRequest("pfwd@amt.intel.com"),
        roles: [.server]
    ),
    Vector(
        name: "V15 SERVICE_ACCEPT pfwd",
        bytes: hex("06000000127066776440616d742e696e74656c2e636f6d"),
        message: .serviceAccept("pfwd@amt.intel.com"),
        roles: [.device]
    ),
    Vector(
        name: "V16 CHANNEL_OPEN forwarded-tcpip",
        bytes: hex(
            "5a0000000f666f727761726465642d74637069700000000400008000ffffffff"
                + "000000000000426000000007312e322e332e3400000400"
        ),
        message: .channelOpen(
            type: "forwarded-tcpip",
            senderChannel: 4,
            initialWindow: 32768,
            connectedAddress: "",
            connectedPort: 16992,
            originatorAddress: "1.2.3.4",
            originatorPort: 1024
        ),
        roles: [.device]
    ),
    Vector(
        name: "V17 CHANNEL_OPEN_CONFIRMATION",
        bytes: hex("5b000000040000000100001000ffffffff"),
        message: .channelOpenConfirmation(recipient: 4, sender: 1, initialWindow: 4096),
        roles: [.server, .device]
    ),
    Vector(
        name: "V18 CHANNEL_OPEN_FAILURE",
        bytes: hex("5c00000004000000040000000000000000"),
        message: .channelOpenFailure(recipient: 4, reason: .resourceShortage),
        roles: [.server, .device]
    ),
    Vector(
        name: "V19 CHANNEL_DATA",
        bytes: hex("5e0000000100000010504f5354202f77736d616e2048545450"),
        message: .channelData(recipient: 1, data: Array("POST /wsman HTTP".utf8)),
        roles: [.device, .server]
    ),
    Vector(
        name: "V20 CHANNEL_CLOSE",
        bytes: hex("6100000001"),
        message: .channelClose(recipient: 1),
        roles: [.device]
    ),
    Vector(
        name: "V20b CHANNEL_CLOSE",
        bytes: hex("6100000004"),
        message: .channelClose(recipient: 4),
        roles: [.server]
    ),
    Vector(
        name: "V21 CHANNEL_WINDOW_ADJUST",
        bytes: hex("5d0000000400004074"),
        message: .windowAdjust(recipient: 4, bytes: 16500),
        roles: [.server, .device]
    ),
    Vector(
        name: "V22 CHANNEL_OPEN direct-tcpip",
        bytes: hex(
            "5a0000000c6469726563742d74637069700000000700001000ffffffff0000000c"
                + "3139322e3136382e312e323000001f900000000c3139322e3136382e312e353000000401"
        ),
        message: .channelOpen(
            type: "direct-tcpip",
            senderChannel: 7,
            initialWindow: 4096,
            connectedAddress: "192.168.1.20",
            connectedPort: 8080,
            originatorAddress: "192.168.1.50",
            originatorPort: 1025
        ),
        roles: [.server]
    ),
    Vector(
        name: "V22 answer CHANNEL_OPEN_FAILURE",
        bytes: hex("5c00000007000000030000000000000000"),
        message: .channelOpenFailure(recipient: 7, reason: .unknownChannelType),
        roles: [.device]
    ),
    Vector(
        name: "V23 DISCONNECT",
        bytes: hex("01000000020000"),
        message: .disconnect(reason: .protocolError),
        roles: [.server, .device]
    ),
    Vector(
        name: "V24 udp-send-to",
        bytes: hex(
            "50000000197564702d73656e642d746f40616d742e696e74656c2e636f6d0000000008"
                + "31302e302e302e31000000a20000000831302e302e302e32000004d200000003616263"
        ),
        message: .globalRequest(
            .udpSendTo(
                address: "10.0.0.1",
                port: 162,
                originatorAddress: "10.0.0.2",
                originatorPort: 1234,
                data: Array("abc".utf8)
            )
        ),
        roles: [.server]
    ),
]

/// The bytes of the spec vector whose name starts with `prefix` and a space.
func vectorBytes(_ prefix: String) -> [UInt8] {
    vectors.first { $0.name.hasPrefix(prefix + " ") }!.bytes
}

@Suite struct APFMessageCodingTests {
    /// Each vector's value encodes to exactly the bytes of spec §10.
    @Test(arguments: vectors)
    func encodesSpecVector(_ vector: Vector) {
        #expect(vector.message.encode() == vector.bytes)
    }

    /// Each vector decodes to its value in every role that receives it, however it is split.
    @Test(arguments: vectors, Feeding.allCases)
    func decodesSpecVector(_ vector: Vector, _ feeding: Feeding) throws {
        for role in vector.roles {
            let messages = try decodeAll(
                vector.bytes,
                role: role,
                expecting: vector.replies,
                feeding: feeding
            )
            #expect(messages == [vector.message], "role \(role)")
        }
    }

    /// USERAUTH_FAILURE is written in the reference servers' 15-byte form (V5).
    @Test func encodesFifteenByteUserAuthFailure() {
        #expect(APFMessage.userAuthFailure.encode() == hex("330000000870617373776f72640000"))
    }

    /// The device accepts the 15-byte and the 14-byte failure, then parses what follows.
    @Test(arguments: Feeding.allCases)
    func decodesBothUserAuthFailureForms(_ feeding: Feeding) throws {
        let fifteen = hex("330000000870617373776f72640000")
        let fourteen = Array(fifteen.dropLast())
        let stream = fifteen + hex("d112345678") + fourteen + hex("01000000020000")
        let messages = try decodeAll(stream, role: .device, feeding: feeding)
        #expect(
            messages == [
                .userAuthFailure, .keepAliveReply(cookie: 0x1234_5678), .userAuthFailure,
                .disconnect(reason: .protocolError),
            ]
        )
    }

    /// A non-password USERAUTH_REQUEST has no password fields (13+u+s+m bytes, §8 item 18).
    @Test func encodesNonePasswordMethodWithoutPasswordFields() throws {
        let none = APFMessage.userAuthRequest(
            username: "admin",
            service: "pfwd@amt.intel.com",
            method: "none",
            password: nil
        )
        #expect(none.encode().count == 13 + 5 + 18 + 4)
        let stream = none.encode() + hex("d012345678")
        #expect(
            try decodeAll(stream, role: .server, feeding: .whole)
                == [none, .keepAliveRequest(cookie: 0x1234_5678)]
        )
    }

    /// Every message a role receives round-trips through encode and decode.
    @Test func roundTripsArbitraryValues() throws {
        let serverBound: [APFMessage] = [
            .disconnect(reason: APFDisconnectReason(rawValue: 0xDEAD_BEEF)),
            .userAuthRequest(username: "", service: "", method: "password", password: ""),
            .globalRequest(.tcpipForward(address: "", port: UInt32.max)),
            .channelData(recipient: 9, data: []),
            .channelData(recipient: 9, data: [UInt8](repeating: 0xAB, count: 70_000)),
            .protocolVersion(major: 1, minor: 7, trigger: 254, uuid: testUUID),
            .keepAliveOptionsReply(interval: 0, timeout: UInt32.max),
        ]
        let stream = serverBound.flatMap { $0.encode() }
        #expect(
            try decodeAll(stream, role: .server, feeding: .randomSplits(seed: 7)) == serverBound
        )
    }

    /// A CHANNEL_DATA header written before its payload makes the same bytes as the message.
    @Test(arguments: [0, 1, 70_000])
    func channelDataHeaderThenPayloadIsTheMessage(count: Int) {
        let data = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 3) }
        let split = APFMessage.channelDataHeader(recipient: 0x0102_0304, count: count) + data
        #expect(split == APFMessage.channelData(recipient: 0x0102_0304, data: data).encode())
    }
}
