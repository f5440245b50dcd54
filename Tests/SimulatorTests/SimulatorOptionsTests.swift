// SPDX-License-Identifier: Apache-2.0

import Foundation
import Simulator
import Testing
import WSMAN

@Suite struct SimulatorOptionsTests {
    /// Defaults point at loopback 4433; passwords are required without a fleet file.
    @Test func defaultsAndRequiredPasswords() throws {
        let o = try SimulatorOptions.parse(["--mps-password", "m", "--amt-password", "a"])
        #expect(o.mpsHost == "127.0.0.1")
        #expect(o.mpsPort == 4433)
        #expect(o.count == 1)
        #expect(o.tlsMaximum == .tls1_3)
        #expect(throws: SimulatorConfigurationError.self) { try SimulatorOptions.parse([]) }
    }

    /// Every flag is read; HOST:PORT accepts IPv4, bracketed IPv6 and localhost.
    @Test func parsesFlags() throws {
        let o = try SimulatorOptions.parse([
            "--mps", "[::1]:5000", "--count", "3", "--guid", "AAAA0000-BBBB-4CCC-8DDD-EEEEFFFF0000",
            "--mps-user", "u", "--mps-password", "m", "--amt-user", "adm", "--amt-password", "a",
            "--keepalive", "90", "--reconnect", "0", "--log-level", "debug", "--rate", "100",
            "--tls-max", "1.2",
        ])
        #expect(o.tlsMaximum == .tls1_2)
        #expect(o.mpsHost == "::1" && o.mpsPort == 5000)
        #expect(o.firstGUID == "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000")
        #expect(o.keepAliveSeconds == 90 && o.reconnectSeconds == 0 && o.connectionsPerSecond == 100)
        let devices = try o.devices()
        #expect(
            devices.map(\.guid) == [
                "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000", "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0001",
                "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0002",
            ]
        )
        #expect(devices.allSatisfy { $0.keepAliveSeconds == 90 && $0.reconnectDelaySeconds == 0 })
        #expect(devices[1].mpsUsername == "u" && devices[1].amtUsername == "adm")
        #expect(
            try SimulatorOptions.parse(["--mps", "localhost:1", "--mps-password", "m", "--amt-password", "a"])
                .mpsHost == "localhost"
        )
    }

    /// Bad flags name themselves and never echo a password.
    @Test func badFlagsAreErrors() {
        let bad: [[String]] = [
            ["--bogus"], ["--mps", "example.com:4433"], ["--mps", "127.0.0.1"], ["--mps", "127.0.0.1:0"],
            ["--count", "0"], ["--guid", "nope"], ["--keepalive", "-1"], ["--log-level", "loud"], ["--mps"],
            ["--tls-max", "1.1"],
        ]
        for args in bad {
            #expect(throws: SimulatorConfigurationError.self, "\(args)") {
                try SimulatorOptions.parse(args + ["--mps-password", "s3cret", "--amt-password", "s3cret"])
            }
        }
        do {
            _ = try SimulatorOptions.parse([
                "--mps-password", "s3cret", "--amt-password", "s3cret", "--count", "x",
            ])
        } catch {
            #expect(error.description == "--count: must be 1 to 100000")
            #expect(!error.description.contains("s3cret"))
        }
    }

    /// A fleet file needs only GUID and credentials; other knobs default; bad devices fail.
    @Test func fleetFileDefaultsAndValidation() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "amt-sim-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.json")
        try Data(
            (#"[{"guid":"12345678-9abc-def0-1234-56789abcdef0","mpsUsername":"u","mpsPassword":"p","#
                + #""amtUsername":"admin","amtPassword":"a","faults":["httpStatus:400"],"channelWindow":512}]"#)
                .utf8
        ).write(to: good)
        let devices = try SimulatorOptions.parse(["--fleet", good.path, "--reconnect", "2"]).devices()
        #expect(devices.count == 1)
        #expect(devices[0].hostname == "")
        #expect(devices[0].forwardedPorts == [16993, 16992, 664, 623, 16995, 16994, 5900])
        #expect(devices[0].channelWindow == 512)
        #expect(devices[0].faults == [.httpStatus(400)])
        #expect(devices[0].reconnectDelaySeconds == 2)
        #expect(devices[0].keepAliveSeconds == 30)

        let bad = dir.appendingPathComponent("bad.json")
        try Data(
            #"[{"guid":"zz","mpsUsername":"u","mpsPassword":"p","amtUsername":"a","amtPassword":"a"}]"#.utf8
        )
        .write(to: bad)
        #expect(throws: SimulatorConfigurationError.self) {
            try SimulatorOptions.parse(["--fleet", bad.path]).devices()
        }
        let secret = dir.appendingPathComponent("secret.json")
        try Data(#"[{"guid":"12345678-9abc-def0-1234-56789abcdef0","mpsPassword":"hunter2"}]"#.utf8).write(
            to: secret
        )
        do {
            _ = try SimulatorOptions.parse(["--fleet", secret.path]).devices()
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "--fleet: not a JSON array of devices (missing mpsUsername)")
        }
    }

    /// Devices round-trip through JSON; descriptions never show passwords.
    @Test func deviceCodingAndRedaction() throws {
        var d = SimulatedDevice(
            guid: testGUID,
            mpsUsername: "u",
            mpsPassword: "mps-secret",
            amtUsername: "admin",
            amtPassword: "amt-secret",
            hostname: "h"
        )
        d.faults = [.silent, .httpStatus(503)]
        d.keepAliveSeconds = 0
        let back = try JSONDecoder().decode(SimulatedDevice.self, from: try JSONEncoder().encode(d))
        #expect(back == d)
        #expect(!"\(d)".contains("secret"))
        #expect(SimulatedFault("httpStatus:99") == nil)
        #expect(SimulatedFault("stallHTTP") == .stallHTTP)
    }

    /// GUIDs derive by counting up in the last group, deterministically, wrapping within it.
    @Test func derivedGUIDs() {
        #expect(
            SimulatedFleet.derivedGUIDs(first: "12345678-9ABC-DEF0-1234-FFFFFFFFFFFE", count: 3) == [
                "12345678-9abc-def0-1234-fffffffffffe", "12345678-9abc-def0-1234-ffffffffffff",
                "12345678-9abc-def0-1234-000000000000",
            ]
        )
        #expect(SimulatedFleet.derivedGUIDs(first: "x", count: 3).isEmpty)
        #expect(SimulatedFleet.derivedGUIDs(first: testGUID, count: 0).isEmpty)
        #expect(Set(SimulatedFleet.derivedGUIDs(first: testGUID, count: 10_000)).count == 10_000)
    }

    /// `--help` explains every flag the usage line names, each on a line of its own.
    @Test func helpDescribesEveryFlag() {
        let flags = SimulatorOptions.usage.split(whereSeparator: { " []|".contains($0) })
            .filter { $0.hasPrefix("--") }
        #expect(flags.count == 14)
        let lines = SimulatorOptions.help.split(separator: "\n").map { $0.drop { $0 == " " } }
        for flag in flags {
            #expect(lines.contains { $0.hasPrefix(flag + " ") }, "\(flag)")
        }
    }

}

@Suite struct FixtureShapeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/Simulator/Fixtures").standardized

    /// Our AMT_GeneralSettings has the captured instance's properties, names and order, with
    /// the fixture's values except the per-device ones.
    @Test func generalSettingsMatchesCapture() throws {
        let xml = try Data(contentsOf: Self.fixtures.appendingPathComponent("AMT_GeneralSettings-Get.xml"))
        let captured = try #require(WSMANResponseProbe.instance(Array(xml)))
        let ours = DeviceModel(guid: testGUID, hostname: "").generalSettings
        #expect(ours.properties.map(\.0) == captured.map(\.0))
        for ((name, _), (_, value)) in zip(ours.properties, captured)
        where !["DigestRealm", "HostOSFQDN"].contains(name) {
            #expect(ours.text(name) == value, "\(name)")
        }
    }
}

/// Reads the first instance of a Get response as (property, text) pairs.
enum WSMANResponseProbe {
    static func instance(_ xml: [UInt8]) -> [(String, String)]? {
        guard let r = try? WSMANResponse(xml: xml), let payload = r.payload else { return nil }
        return payload.children.map { ($0.name, $0.text) }
    }
}
