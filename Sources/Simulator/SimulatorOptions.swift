// SPDX-License-Identifier: Apache-2.0

internal import APF
internal import Foundation
public import Logging

/// The newest TLS version simulated devices offer.
public enum SimulatorTLSMaximum: String, Sendable, Equatable {
    case tls1_2 = "1.2"
    case tls1_3 = "1.3"
}

/// The `amt-sim` command line, parsed and checked (no I/O except reading `--fleet`).
public struct SimulatorOptions: Sendable, Equatable {
    public var mpsHost = "127.0.0.1"
    public var mpsPort = 4433
    public var count = 1
    public var firstGUID = "12345678-9abc-def0-1234-56789abcdef0"
    public var mpsUsername = "admin"
    public var mpsPassword: String?
    public var amtUsername = "admin"
    public var amtPassword: String?
    public var keepAliveSeconds: Double?
    public var reconnectSeconds: Double?
    public var fleetFile: String?
    public var trustedRootFile: String?
    public var connectionsPerSecond = 500
    /// The newest TLS version the devices offer (real AMT firmware mostly negotiates 1.2).
    public var tlsMaximum: SimulatorTLSMaximum = .tls1_3
    public var logLevel: LogLevel = .info

    public static let usage = """
        usage: amt-sim [--mps HOST:PORT] [--count N] [--guid GUID] [--mps-user U] \
        --mps-password P [--amt-user U] --amt-password P [--keepalive S] [--reconnect S] \
        [--fleet FILE.json] [--trusted-root FILE.pem] [--rate N] [--tls-max 1.2|1.3] [--log-level LEVEL]
        """

    /// `amt-sim --help`: the usage line and what each flag does.
    public static let help = usage + """


        Simulated Intel AMT devices that dial an MPS over CIRA (TLS + APF) and answer WS-MAN,
        SOL, KVM and IDE-R on their tunnels.

          --mps HOST:PORT       the MPS's CIRA address (default 127.0.0.1:4433)
          --count N             how many devices (1 to 100000; default 1); the GUIDs after the
                                first are derived from it
          --guid GUID           the first device's GUID
          --mps-user U          the MPS (CIRA) user name configured into the devices (default admin)
          --mps-password P      their MPS password (required unless --fleet)
          --amt-user U          the AMT admin user that Digest checks (default admin)
          --amt-password P      its password (required unless --fleet)
          --keepalive S         a fixed keep-alive interval in seconds, kept whatever the MPS asks
                                (default 30); 0: start at 30 s and adopt the MPS's interval
          --reconnect S         seconds before reconnecting after a close (0: stay down; default 5)
          --fleet FILE.json     one object per device instead of the flags above (guid,
                                mpsUsername, mpsPassword, amtUsername, amtPassword, hostname and
                                optional settings and faults)
          --trusted-root FILE.pem  verify the MPS certificate against this root (default: no check)
          --rate N              new connections per second (1 to 10000; default 500)
          --tls-max 1.2|1.3     newest TLS version offered (real AMT firmware mostly uses 1.2)
          --log-level LEVEL     trace, debug, info, notice, warning, error or critical
        """

    /// Parses arguments (without the program name).
    /// - Throws: ``SimulatorConfigurationError`` naming the bad flag; its text never holds a
    ///   password.
    public static func parse(_ arguments: [String]) throws(SimulatorConfigurationError) -> SimulatorOptions {
        var o = SimulatorOptions()
        var i = 0
        func value(_ flag: String) throws(SimulatorConfigurationError) -> String {
            i += 1
            guard i < arguments.count else { throw .init(flag, "needs a value") }
            return arguments[i]
        }
        func number(_ flag: String, _ range: ClosedRange<Double>) throws(SimulatorConfigurationError)
            -> Double
        {
            guard let n = Double(try value(flag)), range.contains(n) else {
                throw .init(flag, "must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return n
        }
        while i < arguments.count {
            let flag = arguments[i]
            switch flag {
            case "--mps":
                (o.mpsHost, o.mpsPort) = try Self.hostPort(try value(flag))
            case "--count":
                guard let n = Int(try value(flag)), (1...100_000).contains(n) else {
                    throw .init(flag, "must be 1 to 100000")
                }
                o.count = n
            case "--guid":
                let g = try value(flag)
                guard let canonical = APFGUID.normalize(g) else { throw .init(flag, "not a UUID") }
                o.firstGUID = canonical
            case "--mps-user": o.mpsUsername = try value(flag)
            case "--mps-password": o.mpsPassword = try value(flag)
            case "--amt-user": o.amtUsername = try value(flag)
            case "--amt-password": o.amtPassword = try value(flag)
            case "--keepalive": o.keepAliveSeconds = try number(flag, 0...86_400)
            case "--reconnect": o.reconnectSeconds = try number(flag, 0...86_400)
            case "--fleet": o.fleetFile = try value(flag)
            case "--trusted-root": o.trustedRootFile = try value(flag)
            case "--rate": o.connectionsPerSecond = Int(try number(flag, 1...10_000))
            case "--tls-max":
                guard let cap = SimulatorTLSMaximum(rawValue: try value(flag)) else {
                    throw .init(flag, "must be 1.2 or 1.3")
                }
                o.tlsMaximum = cap
            case "--log-level":
                guard let level = LogLevel(name: try value(flag)) else {
                    throw .init(flag, "must be trace, debug, info, notice, warning, error or critical")
                }
                o.logLevel = level
            default:
                throw .init(flag, "unknown flag")
            }
            i += 1
        }
        if o.fleetFile == nil {
            guard o.mpsPassword != nil else { throw .init("--mps-password", "is required without --fleet") }
            guard o.amtPassword != nil else { throw .init("--amt-password", "is required without --fleet") }
        }
        return o
    }

    /// `127.0.0.1:4433`, `[::1]:4433` or `localhost:4433`.
    static func hostPort(_ text: String) throws(SimulatorConfigurationError) -> (String, Int) {
        var host: Substring
        var port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else {
                throw .init("--mps", "expected HOST:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .init("--mps", "expected HOST:PORT") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let p = Int(port), (1...65535).contains(p) else {
            throw .init("--mps", "port must be 1 to 65535")
        }
        let allowed =
            host == "localhost"
            || (!host.isEmpty && host.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" })
        guard allowed else { throw .init("--mps", "host must be a numeric address or localhost") }
        return (String(host), p)
    }

    /// The devices to simulate: the fleet file's, or `count` devices derived from the flags.
    /// Flags given explicitly (keep-alive, reconnect) override the fleet file's values.
    /// - Throws: ``SimulatorConfigurationError`` for an unreadable file or a bad device.
    public func devices() throws(SimulatorConfigurationError) -> [SimulatedDevice] {
        var devices: [SimulatedDevice]
        if let path = self.fleetFile {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw .init("--fleet", "cannot read \(path)")
            }
            do {
                devices = try JSONDecoder().decode([SimulatedDevice].self, from: data)
            } catch {
                throw .init("--fleet", "not a JSON array of devices (\(Self.describe(error)))")
            }
            guard !devices.isEmpty else { throw .init("--fleet", "holds no devices") }
        } else {
            devices = SimulatedFleet.derivedGUIDs(first: self.firstGUID, count: self.count).enumerated().map {
                index,
                guid in
                SimulatedDevice(
                    guid: guid,
                    mpsUsername: self.mpsUsername,
                    mpsPassword: self.mpsPassword ?? "",
                    amtUsername: self.amtUsername,
                    amtPassword: self.amtPassword ?? "",
                    hostname: "amt-sim-\(index + 1)"
                )
            }
        }
        for index in devices.indices {
            if let k = self.keepAliveSeconds { devices[index].keepAliveSeconds = k }
            if let r = self.reconnectSeconds { devices[index].reconnectDelaySeconds = r }
            do {
                try devices[index].validate()
            } catch {
                throw .init("device \(index + 1) \(error.field)", error.problem)
            }
        }
        return devices
    }

    /// A decoding error without the values it saw (they may be passwords).
    private static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "missing \(key.stringValue)"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?:
            "bad value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "malformed JSON"
        }
    }
}
