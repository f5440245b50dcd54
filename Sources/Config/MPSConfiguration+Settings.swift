import Foundation

/// A raw value from the JSON file or the environment, before validation.
enum RawValue {
    case string(String)
    case bool(Bool)
    case number(Double)
    case null
}

/// One configuration key: how to validate and apply a raw value, and how to show the result.
struct Setting {
    let key: String
    let isSecret: Bool
    let apply: (inout MPSConfiguration, RawValue, String) throws(ConfigError) -> Void
    let render: (MPSConfiguration) -> String

    var environmentName: String { "MPS_" + self.key.uppercased() }
}

extension MPSConfiguration {
    /// Every key we accept, in the order the summary lists them.
    static var settings: [Setting] {
        [
            .text("common_name", \.commonName, check: Self.hostName),
            .port("port", \.ciraPort),
            .port("web_port", \.webPort),
            .flag("web_tls", \.webTLS),
            .text("listen_address", \.listenAddress, check: Self.ipAddress),
            .text("web_listen_address", \.webListenAddress, check: Self.ipAddress),
            .text("data_dir", \.dataDir, check: Self.nonEmpty),
            .logLevel(),
            .text("instance_name", \.instanceName, check: Self.nonEmpty),
            .text("cira_tls_min_version", \.ciraTLSMinVersion, check: Self.tlsVersion),
            .flag("cira_legacy_tls", \.ciraLegacyTLS),
            .seconds("cira_idle_timeout_seconds", \.ciraIdleTimeoutSeconds, 10...86_400),
            .seconds("keep_alive_interval_seconds", \.keepAliveIntervalSeconds, 1...86_400),
            .seconds("handshake_timeout_seconds", \.handshakeTimeoutSeconds, 1...600),
            .seconds("wsman_timeout_seconds", \.wsmanTimeoutSeconds, 1...600),
            .flag("cira_last_seen", \.ciraLastSeen),
            .path("tls_cert", \.tlsCert), .path("tls_key", \.tlsKey), .path("tls_ca", \.tlsCA),
            .path("web_tls_cert", \.webTLSCert), .path("web_tls_key", \.webTLSKey),
            .path("web_tls_ca", \.webTLSCA),
            .text("master_key_file", \.masterKeyFile, check: Self.nonEmpty),
            .secret("master_key", \.masterKey),
            .secret("jwt_secret", \.jwtSecret),
            .integer("jwt_expiration", \.jwtExpirationMinutes, 1...1440, what: "a number of minutes"),
            .integer(
                "redirection_expiration_time", \.redirectionExpirationMinutes, 1...60,
                what: "a number of minutes"),
            .seconds("session_idle_timeout_seconds", \.sessionIdleTimeoutSeconds, 60...86_400),
            .seconds(
                "session_absolute_timeout_seconds", \.sessionAbsoluteTimeoutSeconds, 300...604_800),
            .text("country", \.country, check: Self.countryCode),
            .path("organization", \.organization),
        ]
    }

    // MARK: Validators: nil when fine, else the problem.

    static func nonEmpty(_ text: String) -> String? { text.isEmpty ? "must not be empty" : nil }

    static func hostName(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 253 else { return "must be 1 to 253 characters" }
        return text.contains(where: { $0.isWhitespace || $0 == "/" })
            ? "must be a host name or IP address" : nil
    }

    static func ipAddress(_ text: String) -> String? {
        var v4 = in_addr()
        var v6 = in6_addr()
        let ok = inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
        return ok ? nil : "\(ConfigError.quote(text)) is not an IPv4 or IPv6 address"
    }

    static func tlsVersion(_ text: String) -> String? {
        ["1.0", "1.1", "1.2", "1.3"].contains(text)
            ? nil : "\(ConfigError.quote(text)) is not one of 1.0, 1.1, 1.2, 1.3"
    }

    static func countryCode(_ text: String) -> String? {
        text.count == 2 && text.allSatisfy({ $0.isASCII && $0.isUppercase })
            ? nil
            : "must be a two-letter uppercase country code"
    }
}

extension Setting {
    static func text(
        _ key: String,
        _ path: WritableKeyPath<MPSConfiguration, String>,
        check: @escaping (String) -> String?
    ) -> Setting {
        Setting(
            key: key,
            isSecret: false,
            apply: { (config, raw, name) throws(ConfigError) in
                guard case .string(let text) = raw else {
                    throw ConfigError(setting: name, problem: "must be a string")
                }
                if let problem = check(text) { throw ConfigError(setting: name, problem: problem) }
                config[keyPath: path] = text
            },
            render: { $0[keyPath: path] }
        )
    }

    static func path(_ key: String, _ path: WritableKeyPath<MPSConfiguration, String?>) -> Setting {
        Setting(
            key: key,
            isSecret: false,
            apply: { (config, raw, name) throws(ConfigError) in
                switch raw {
                case .null: config[keyPath: path] = nil
                case .string(let text): config[keyPath: path] = text.isEmpty ? nil : text
                default: throw ConfigError(setting: name, problem: "must be a string")
                }
            },
            render: { $0[keyPath: path] ?? "(unset)" }
        )
    }

    static func secret(_ key: String, _ path: WritableKeyPath<MPSConfiguration, Secret?>) -> Setting {
        Setting(
            key: key,
            isSecret: true,
            apply: { (config, raw, name) throws(ConfigError) in
                switch raw {
                case .null: config[keyPath: path] = nil
                case .string(let text): config[keyPath: path] = text.isEmpty ? nil : Secret(text)
                default: throw ConfigError(setting: name, problem: "must be a string")
                }
            },
            render: { $0[keyPath: path] == nil ? "(unset)" : "<redacted>" }
        )
    }

    /// Strict booleans (field fault B41): true/false, 1/0, yes/no in any case; nothing else.
    static func flag(_ key: String, _ path: WritableKeyPath<MPSConfiguration, Bool>) -> Setting {
        Setting(
            key: key,
            isSecret: false,
            apply: { (config, raw, name) throws(ConfigError) in
                config[keyPath: path] = try Self.parseBool(raw, name)
            },
            render: { "\($0[keyPath: path])" }
        )
    }

    static func parseBool(_ raw: RawValue, _ name: String) throws(ConfigError) -> Bool {
        switch raw {
        case .bool(let value): return value
        case .number(0): return false
        case .number(1): return true
        case .string(let text):
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: break
            }
            throw ConfigError(
                setting: name,
                problem: "\(ConfigError.quote(text)) is not a boolean (use true/false, 1/0 or yes/no)"
            )
        default:
            throw ConfigError(setting: name, problem: "must be a boolean (true/false, 1/0 or yes/no)")
        }
    }

    static func port(_ key: String, _ path: WritableKeyPath<MPSConfiguration, Int>) -> Setting {
        self.integer(key, path, 1...65_535, what: "a port number")
    }

    static func seconds(
        _ key: String,
        _ path: WritableKeyPath<MPSConfiguration, Int>,
        _ range: ClosedRange<Int>
    ) -> Setting {
        self.integer(key, path, range, what: "a number of seconds")
    }

    static func integer(
        _ key: String,
        _ path: WritableKeyPath<MPSConfiguration, Int>,
        _ range: ClosedRange<Int>,
        what: String
    ) -> Setting {
        Setting(
            key: key,
            isSecret: false,
            apply: { (config, raw, name) throws(ConfigError) in
                let bounds = "\(what) from \(range.lowerBound) to \(range.upperBound)"
                let number: Int?
                switch raw {
                case .number(let value):
                    number = value.rounded() == value && abs(value) < 1e15 ? Int(value) : nil
                case .string(let text):
                    number = text.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(text) : nil
                default: number = nil
                }
                guard let number, range.contains(number) else {
                    if case .string(let text) = raw {
                        throw ConfigError(
                            setting: name,
                            problem: "\(ConfigError.quote(text)) is not \(bounds)"
                        )
                    }
                    throw ConfigError(setting: name, problem: "must be \(bounds)")
                }
                config[keyPath: path] = number
            },
            render: { "\($0[keyPath: path])" }
        )
    }

    static func logLevel() -> Setting {
        Setting(
            key: "log_level",
            isSecret: false,
            apply: { (config, raw, name) throws(ConfigError) in
                let names = MPSConfiguration.LogLevelName.allCases.map(\.rawValue).joined(separator: ", ")
                guard case .string(let text) = raw,
                    let level = MPSConfiguration.LogLevelName(rawValue: text.lowercased())
                else {
                    let shown =
                        if case .string(let text) = raw { ConfigError.quote(text) + " is not" } else {
                            "must be"
                        }
                    throw ConfigError(setting: name, problem: "\(shown) one of \(names)")
                }
                config.logLevel = level
            },
            render: { $0.logLevel.rawValue }
        )
    }
}
