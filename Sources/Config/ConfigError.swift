/// A configuration problem: the setting (as the file key or environment variable the operator
/// used) and what is wrong with it. `description` is one line and never contains a secret, so
/// the `mps` executable can print it and exit with status 2.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The key, environment variable or argument that is wrong, e.g. `web_port` or `MPS_WEB_PORT`.
    public let setting: String
    public let problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String {
        Self.oneLine("configuration error: \(self.setting): \(self.problem)")
    }

    /// Quotes a non-secret value for an error message: control characters escaped, long values cut.
    static func quote(_ value: String) -> String {
        let cut = value.count > 80 ? String(value.prefix(80)) + "…" : value
        return "\"" + Self.oneLine(cut) + "\""
    }

    private static func oneLine(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
                out += scalar.escaped(asASCII: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
