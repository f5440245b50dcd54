import Foundation

extension MPSConfiguration {
    /// Builds the configuration: defaults, then the JSON file named by `--config FILE` (or
    /// `MPS_CONFIG`), then `MPS_<KEY>` environment variables, then `MPS_<KEY>_FILE` for secrets
    /// (the file's contents, one trailing newline trimmed). `MPS_MASTER_KEY_FILE` is the
    /// `master_key_file` setting: the path of the 32-byte key file.
    ///
    /// Arguments other than `--config` are left to the caller.
    /// - Throws: the first `ConfigError` found: unknown file keys, a value of the wrong type or
    ///   out of range, an unreadable file, or settings that contradict each other.
    public static func load(
        arguments: [String],
        environment: [String: String]
    ) throws(ConfigError) -> MPSConfiguration {
        var config = MPSConfiguration()
        var explicit: Set<String> = []
        let settings = Self.settings
        let byKey = Dictionary(uniqueKeysWithValues: settings.map { ($0.key, $0) })

        if let path = try Self.configPath(arguments: arguments, environment: environment) {
            for (key, raw) in try Self.readFile(path, known: byKey) {
                try byKey[key]!.apply(&config, raw, "\(key) in \(path)")
                explicit.insert(key)
            }
        }
        for setting in settings {
            if let value = environment[setting.environmentName] {
                try setting.apply(&config, .string(value), setting.environmentName)
                explicit.insert(setting.key)
            }
            // A secret may come from a file instead, unless `<key>_file` is a setting of its own.
            let fileVariable = setting.environmentName + "_FILE"
            if setting.isSecret, byKey[setting.key + "_file"] == nil, let path = environment[fileVariable] {
                guard environment[setting.environmentName] == nil else {
                    throw ConfigError(
                        setting: fileVariable,
                        problem: "set only one of \(setting.environmentName) and \(fileVariable)"
                    )
                }
                try setting.apply(&config, .string(try Self.readSecret(path, fileVariable)), fileVariable)
                explicit.insert(setting.key)
            }
        }
        if !explicit.contains("master_key_file") {
            config.masterKeyFile = (config.dataDir as NSString).appendingPathComponent("master.key")
        }
        try config.checkConsistency(explicit: explicit)
        return config
    }

    private func checkConsistency(explicit: Set<String>) throws(ConfigError) {
        if ["1.0", "1.1"].contains(self.ciraTLSMinVersion) && !self.ciraLegacyTLS {
            throw ConfigError(
                setting: "cira_tls_min_version",
                problem: "TLS \(self.ciraTLSMinVersion) needs cira_legacy_tls=true (MPS_CIRA_LEGACY_TLS)"
            )
        }
        if self.keepAliveIntervalSeconds >= self.ciraIdleTimeoutSeconds {
            throw ConfigError(
                setting: "keep_alive_interval_seconds",
                problem: "must be less than cira_idle_timeout_seconds (\(self.ciraIdleTimeoutSeconds))"
            )
        }
        if self.sessionIdleTimeoutSeconds > self.sessionAbsoluteTimeoutSeconds {
            throw ConfigError(
                setting: "session_idle_timeout_seconds",
                problem: "must not exceed session_absolute_timeout_seconds "
                    + "(\(self.sessionAbsoluteTimeoutSeconds))"
            )
        }
        if explicit.contains("master_key") && explicit.contains("master_key_file") {
            throw ConfigError(
                setting: "master_key",
                problem: "set either master_key or master_key_file, not both"
            )
        }
        for (cert, key, certName, keyName) in [
            (self.tlsCert, self.tlsKey, "tls_cert", "tls_key"),
            (self.webTLSCert, self.webTLSKey, "web_tls_cert", "web_tls_key"),
        ] where (cert == nil) != (key == nil) {
            throw ConfigError(
                setting: cert == nil ? certName : keyName,
                problem: "\(certName) and \(keyName) go together"
            )
        }
    }

    static func configPath(arguments: [String], environment: [String: String]) throws(ConfigError) -> String?
    {
        var found: String?
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--config" {
                let next = arguments.index(after: index)
                guard next < arguments.endIndex, !arguments[next].hasPrefix("--"), !arguments[next].isEmpty
                else {
                    throw ConfigError(setting: "--config", problem: "needs a file path")
                }
                found = arguments[next]
                index = arguments.index(after: next)
                continue
            }
            if argument.hasPrefix("--config=") {
                let value = String(argument.dropFirst("--config=".count))
                guard !value.isEmpty else {
                    throw ConfigError(setting: "--config", problem: "needs a file path")
                }
                found = value
            }
            index = arguments.index(after: index)
        }
        if let found { return found }
        if let path = environment["MPS_CONFIG"] {
            guard !path.isEmpty else {
                throw ConfigError(setting: "MPS_CONFIG", problem: "needs a file path")
            }
            return path
        }
        return nil
    }

    /// The file's keys and raw values, in sorted key order.
    static func readFile(_ path: String, known: [String: Setting]) throws(ConfigError) -> [(String, RawValue)]
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(setting: "config file \(path)", problem: "cannot be read")
        }
        guard data.count <= 1_048_576 else {
            throw ConfigError(setting: "config file \(path)", problem: "is larger than 1 MiB")
        }
        let object: [String: FileValue]
        do {
            object = try JSONDecoder().decode([String: FileValue].self, from: data)
        } catch {
            throw ConfigError(setting: "config file \(path)", problem: "is not a JSON object of settings")
        }
        let unknown = object.keys.filter { known[$0] == nil }.sorted()
        guard unknown.isEmpty else {
            let names = unknown.map { ConfigError.quote($0) }.joined(separator: ", ")
            throw ConfigError(setting: "config file \(path)", problem: "unknown keys: \(names)")
        }
        return object.keys.sorted().map { ($0, object[$0]!.raw) }
    }

    static func readSecret(_ path: String, _ variable: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path), data.count <= 65_536,
            var text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(setting: variable, problem: "cannot read the file \(ConfigError.quote(path))")
        }
        if text.hasSuffix("\r\n") {
            text.removeLast(1)  // "\r\n" is one Character in Swift
        } else if text.hasSuffix("\n") {
            text.removeLast()
        }
        return text
    }
}

/// A JSON value in the config file. Arrays and objects are not settings and fail to decode.
private struct FileValue: Decodable {
    let raw: RawValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self.raw = .null
        } else if let value = try? container.decode(Bool.self) {
            self.raw = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self.raw = .number(value)
        } else {
            self.raw = .string(try container.decode(String.self))
        }
    }
}

extension MPSConfiguration {
    /// `MPS_*` variables that name no setting (a typo such as `MPS_WEB_PROT`), so the operator
    /// can be warned instead of the value being ignored in silence. `others` are variables read
    /// elsewhere (`MPS_MIGRATIONS_DIR`, ...).
    public static func unknownEnvironmentVariables(
        _ environment: [String: String], others: Set<String>
    ) -> [String] {
        var known: Set<String> = ["MPS_CONFIG"]
        for setting in Self.settings {
            known.insert(setting.environmentName)
            if setting.isSecret { known.insert(setting.environmentName + "_FILE") }
        }
        return environment.keys.filter { $0.hasPrefix("MPS_") && !known.contains($0) && !others.contains($0) }
            .sorted()
    }
}
