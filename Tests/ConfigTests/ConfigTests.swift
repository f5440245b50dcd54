import Config
import Foundation
import Testing

func writeTemporary(_ text: String, name: String = "mps.json") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "mps-config-\(UUID().uuidString)"
    )
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let path = directory.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func loadError(_ arguments: [String] = [], _ environment: [String: String] = [:]) -> ConfigError? {
    do {
        _ = try MPSConfiguration.load(arguments: arguments, environment: environment)
        return nil
    } catch {
        return error
    }
}

@Suite struct ConfigTests {
    /// With nothing configured every setting has its documented default.
    @Test func defaults() throws {
        let config = try MPSConfiguration.load(arguments: [], environment: [:])
        #expect(config.commonName == "localhost" && config.ciraPort == 4433 && config.webPort == 3000)
        #expect(config.webTLS && config.dataDir == "./data" && config.logLevel == .info)
        #expect(
            config.instanceName == "localhost" && config.ciraTLSMinVersion == "1.2" && !config.ciraLegacyTLS
        )
        #expect(config.ciraIdleTimeoutSeconds == 90 && config.keepAliveIntervalSeconds == 30)
        #expect(config.handshakeTimeoutSeconds == 30 && config.wsmanTimeoutSeconds == 30)
        #expect(
            config.listenAddress == "0.0.0.0" && config.webListenAddress == "0.0.0.0" && config.ciraLastSeen
        )
        #expect(
            config.masterKeyFile == "./data/master.key" && config.masterKey == nil && config.jwtSecret == nil
        )
        #expect(config.tlsCert == nil && config.country == "US")
    }

    /// The file sets values; the environment overrides the file; data_dir moves the key file.
    @Test func fileThenEnvironment() throws {
        let path = try writeTemporary(
            #"{"web_port": 3001, "common_name": "mps.example.com", "web_tls": "no", "data_dir": "/var/lib/mps"}"#
        )
        let config = try MPSConfiguration.load(
            arguments: ["--demo", "3", "--config", path],
            environment: ["MPS_WEB_PORT": "3002", "MPS_PORT": "14433"]
        )
        #expect(config.webPort == 3002 && config.ciraPort == 14433 && config.commonName == "mps.example.com")
        #expect(!config.webTLS && config.masterKeyFile == "/var/lib/mps/master.key")
        let viaEnv = try MPSConfiguration.load(arguments: [], environment: ["MPS_CONFIG": path])
        #expect(viaEnv.webPort == 3001)
        let viaEquals = try MPSConfiguration.load(arguments: ["--config=\(path)"], environment: [:])
        #expect(viaEquals.webPort == 3001)
    }

    /// `_FILE` variables read secrets from files, trimming one trailing newline.
    @Test func secretFromFile() throws {
        let path = try writeTemporary("s3cr3t-jwt\n", name: "jwt")
        let config = try MPSConfiguration.load(arguments: [], environment: ["MPS_JWT_SECRET_FILE": path])
        #expect(config.jwtSecret?.value == "s3cr3t-jwt")
        let keyFile = try MPSConfiguration.load(
            arguments: [],
            environment: ["MPS_MASTER_KEY_FILE": "/run/secrets/mk"]
        )
        #expect(keyFile.masterKeyFile == "/run/secrets/mk")
        let missing = loadError([], ["MPS_JWT_SECRET_FILE": "/nonexistent/jwt"])
        #expect(missing?.setting == "MPS_JWT_SECRET_FILE")
        #expect(loadError([], ["MPS_JWT_SECRET_FILE": path, "MPS_JWT_SECRET": "x"]) != nil)
    }

    /// B41: false/FALSE/0/no disable, true/1/YES enable, maybe is an error naming the variable.
    @Test func strictBooleans() throws {
        for text in ["false", "FALSE", "0", "no", "No"] {
            #expect(try !MPSConfiguration.load(arguments: [], environment: ["MPS_WEB_TLS": text]).webTLS)
        }
        for text in ["true", "1", "YES", "True"] {
            #expect(
                try MPSConfiguration.load(arguments: [], environment: ["MPS_CIRA_LAST_SEEN": text])
                    .ciraLastSeen
            )
        }
        for text in ["maybe", "", "2", "on", " true"] {
            let error = loadError([], ["MPS_CIRA_LEGACY_TLS": text])
            #expect(error?.setting == "MPS_CIRA_LEGACY_TLS")
        }
        let legacy = try MPSConfiguration.load(
            arguments: [],
            environment: ["MPS_CIRA_LEGACY_TLS": "true", "MPS_CIRA_TLS_MIN_VERSION": "1.0"]
        )
        #expect(legacy.ciraTLSMinVersion == "1.0")
        #expect(loadError([], ["MPS_CIRA_TLS_MIN_VERSION": "1.1"])?.setting == "cira_tls_min_version")
        #expect(
            try MPSConfiguration.load(
                arguments: ["--config", writeTemporary(#"{"web_tls": false}"#)],
                environment: [:]
            ).webTLS == false
        )
    }

    /// Every error is one line that names the setting and the problem.
    @Test func errorsAreOneLine() throws {
        let cases: [([String], [String: String], String)] = [
            ([], ["MPS_WEB_PORT": "0"], "MPS_WEB_PORT"),
            ([], ["MPS_PORT": "65536"], "MPS_PORT"),
            ([], ["MPS_PORT": "abc\nINJECTED"], "MPS_PORT"),
            ([], ["MPS_LOG_LEVEL": "loud"], "MPS_LOG_LEVEL"),
            ([], ["MPS_LISTEN_ADDRESS": "example.com"], "MPS_LISTEN_ADDRESS"),
            ([], ["MPS_KEEP_ALIVE_INTERVAL_SECONDS": "90"], "keep_alive_interval_seconds"),
            ([], ["MPS_TLS_CERT": "/c.pem"], "tls_key"),
            ([], ["MPS_MASTER_KEY": "k", "MPS_MASTER_KEY_FILE": "/k"], "master_key"),
            (["--config"], [:], "--config"),
            (["--config", "/nonexistent.json"], [:], "config file /nonexistent.json"),
        ]
        for (arguments, environment, setting) in cases {
            let error = try #require(loadError(arguments, environment))
            #expect(error.setting == setting)
            #expect(!error.description.contains("\n") && error.description.contains(setting))
        }
        #expect(
            loadError([], ["MPS_PORT": "abc"])?.description
                == #"configuration error: MPS_PORT: "abc" is not a port number from 1 to 65535"#
        )
    }

    /// Token and session lifetimes: reference names and units for the tokens (minutes), ours in
    /// seconds for browser sessions; out-of-range values and an idle timeout beyond the
    /// absolute one are refused.
    @Test func lifetimes() throws {
        let defaults = try MPSConfiguration.load(arguments: [], environment: [:])
        #expect(defaults.jwtExpirationMinutes == 60 && defaults.redirectionExpirationMinutes == 5)
        #expect(defaults.sessionIdleTimeoutSeconds == 1800)
        #expect(defaults.sessionAbsoluteTimeoutSeconds == 28_800)
        let path = try writeTemporary(
            #"{"jwt_expiration": 15, "redirection_expiration_time": 2, "session_idle_timeout_seconds": 600}"#
        )
        let config = try MPSConfiguration.load(
            arguments: ["--config", path], environment: ["MPS_SESSION_ABSOLUTE_TIMEOUT_SECONDS": "3600"])
        #expect(config.jwtExpirationMinutes == 15 && config.redirectionExpirationMinutes == 2)
        #expect(config.sessionIdleTimeoutSeconds == 600 && config.sessionAbsoluteTimeoutSeconds == 3600)
        #expect(loadError([], ["MPS_JWT_EXPIRATION": "0"])?.setting == "MPS_JWT_EXPIRATION")
        #expect(loadError([], ["MPS_JWT_EXPIRATION": "1441"])?.setting == "MPS_JWT_EXPIRATION")
        #expect(loadError([], ["MPS_REDIRECTION_EXPIRATION_TIME": "61"])?.setting
            == "MPS_REDIRECTION_EXPIRATION_TIME")
        let inverted = loadError(
            [], ["MPS_SESSION_IDLE_TIMEOUT_SECONDS": "7200", "MPS_SESSION_ABSOLUTE_TIMEOUT_SECONDS": "3600"])
        #expect(inverted?.setting == "session_idle_timeout_seconds")
    }

    /// The file is strict too: unknown keys are named, wrong types and bad JSON are errors.
    @Test func strictFile() throws {
        let unknown = try writeTemporary(#"{"web_prot": 1, "port": 4433, "zz": true}"#)
        let error = try #require(loadError(["--config", unknown]))
        #expect(error.description.contains(#"unknown keys: "web_prot", "zz""#))
        #expect(loadError(["--config", try writeTemporary(#"{"web_port": "3000x"}"#)]) != nil)
        #expect(loadError(["--config", try writeTemporary(#"{"web_port": 3000.5}"#)]) != nil)
        #expect(loadError(["--config", try writeTemporary(#"{"common_name": 5}"#)]) != nil)
        #expect(loadError(["--config", try writeTemporary(#"{"web_tls": [true]}"#)]) != nil)
        #expect(loadError(["--config", try writeTemporary("{")]) != nil)
        #expect(loadError(["--config", try writeTemporary("[1]")]) != nil)
    }

    /// Secrets never appear in the summary, the description or an error.
    @Test func secretsAreRedacted() throws {
        let config = try MPSConfiguration.load(
            arguments: [],
            environment: ["MPS_JWT_SECRET": "hunter2-jwt", "MPS_MASTER_KEY": "00ff00ff"]
        )
        let summary = config.effectiveSummary()
        #expect(
            !summary.contains("hunter2") && !summary.contains("00ff00ff")
                && summary.contains("jwt_secret=<redacted>")
        )
        #expect(summary.contains("web_tls=true") && summary.contains("port=4433") && !summary.contains("\n"))
        var dumped = ""
        dump(config, to: &dumped)
        #expect(!"\(config)".contains("hunter2") && !dumped.contains("hunter2"))
        let error = loadError(["--config", try writeTemporary(#"{"jwt_secret": 12345678}"#)])
        #expect(error != nil && !error!.description.contains("12345678"))
    }
}
