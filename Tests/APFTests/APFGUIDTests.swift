// The mixed-endian UUID of PROTOCOLVERSION (spec §4) and case handling (field fault B05).

import APF
import Testing

@Suite struct APFGUIDTests {
    static let cases: [(wire: String, text: String)] = [
        ("33221100554477668899aabbccddeeff", "00112233-4455-6677-8899-aabbccddeeff"),
        ("0403020106050807090a0b0c0d0e0f10", "01020304-0506-0708-090a-0b0c0d0e0f10"),
        ("80b362d130c3e31182a540a8f0a2a536", "d162b380-c330-11e3-82a5-40a8f0a2a536"),
    ]

    /// The three §4 examples map wire bytes to the canonical string.
    @Test func mapsWireToString() {
        for (wire, text) in Self.cases {
            #expect(APFGUID.string(fromWire: hex(wire)) == text)
        }
    }

    /// The reverse mapping applies the same swaps, whatever the case of the input.
    @Test func mapsStringToWire() {
        for (wire, text) in Self.cases {
            #expect(APFGUID.wireBytes(from: text) == hex(wire))
            #expect(APFGUID.wireBytes(from: text.uppercased()) == hex(wire))
        }
    }

    /// A PROTOCOLVERSION built from an uppercase UUID decodes to the lowercase form (B05).
    @Test func protocolVersionCarriesLowercaseUUID() throws {
        let upper = "AAAA0000-BBBB-4CCC-8DDD-EEEEFFFF0000"
        let bytes = APFMessage.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: upper).encode()
        let decoded = try decodeAll(bytes, role: .server, feeding: .whole)
        #expect(
            decoded == [
                .protocolVersion(
                    major: 1,
                    minor: 0,
                    trigger: 4,
                    uuid: "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000"
                )
            ]
        )
    }

    /// normalize lowercases valid strings and rejects malformed ones.
    @Test func normalizes() {
        #expect(
            APFGUID.normalize("D162B380-C330-11E3-82A5-40A8F0A2A536")
                == "d162b380-c330-11e3-82a5-40a8f0a2a536"
        )
        let bad = [
            "", "d162b380c330-11e3-82a5-40a8f0a2a536", "d162b380-c330-11e3-82a5-40a8f0a2a53",
            "d162b380-c330-11e3-82a5-40a8f0a2a5366", "g162b380-c330-11e3-82a5-40a8f0a2a536",
            "d162b380-c330-11e3-82a5_40a8f0a2a536", "{d162b380-c330-11e3-82a5-40a8f0a2a53}",
            "d162b380-c330-11e3-82a5-40a8f0a2a5é",
        ]
        for text in bad {
            #expect(APFGUID.normalize(text) == nil, "\(text)")
            #expect(APFGUID.wireBytes(from: text) == nil, "\(text)")
        }
    }

    /// Only exactly 16 bytes form a UUID.
    @Test func requiresSixteenBytes() {
        #expect(APFGUID.string(fromWire: [UInt8](repeating: 0, count: 15)) == nil)
        #expect(APFGUID.string(fromWire: [UInt8](repeating: 0, count: 17)) == nil)
        #expect(
            APFGUID.string(fromWire: [UInt8](repeating: 0, count: 16))
                == "00000000-0000-0000-0000-000000000000"
        )
    }
}
