/// Same-origin checks on the browser's `Origin` and `Sec-Fetch-Site` headers, the second line
/// of CSRF defence after the token.
///
/// It compares scheme-default ports and lowercase host names. It deliberately does not try to
/// resolve names: `localhost` and `127.0.0.1` are different origins, as they are to a browser.
public enum OriginPolicy {
    /// True when `origin` (for example `https://mps.example:8443`) names the same host and port
    /// as the request's `Host` header (`mps.example:8443`). A Host without a port takes the
    /// default port of the origin's scheme. `null`, other schemes, user info, paths and
    /// malformed values are false.
    public static func isSameOrigin(origin: String, host: String) -> Bool {
        guard let origin = Self.parseOrigin(origin), let target = Self.parseHost(host) else {
            return false
        }
        return origin.host == target.host && origin.port == (target.port ?? origin.defaultPort)
    }

    /// The browser-header rule for a cookie-authenticated state-changing request.
    ///
    /// `Sec-Fetch-Site` when present must be `same-origin` (or `none`, a user typing the URL).
    /// Otherwise an `Origin` when present must pass `isSameOrigin`. A request with neither comes
    /// from a non-browser client or an old browser; it is allowed here because the CSRF token
    /// is still required.
    public static func allows(origin: String?, secFetchSite: String?, host: String) -> Bool {
        if let site = secFetchSite?.lowercased() {
            guard site == "same-origin" || site == "none" else { return false }
        }
        if let origin { return Self.isSameOrigin(origin: origin, host: host) }
        return true
    }

    private struct Origin {
        var host: String
        var port: Int
        var defaultPort: Int
    }

    private static func parseOrigin(_ text: String) -> Origin? {
        let lower = text.lowercased()
        let scheme: String
        let defaultPort: Int
        if lower.hasPrefix("https://") {
            (scheme, defaultPort) = ("https://", 443)
        } else if lower.hasPrefix("http://") {
            (scheme, defaultPort) = ("http://", 80)
        } else {
            return nil
        }
        guard let authority = Self.parseHost(String(lower.dropFirst(scheme.count))) else {
            return nil
        }
        return Origin(
            host: authority.host,
            port: authority.port ?? defaultPort,
            defaultPort: defaultPort
        )
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`, lowercased; nil for anything else.
    private static func parseHost(_ text: String) -> (host: String, port: Int?)? {
        let value = text.lowercased()
        guard !value.isEmpty, value.utf8.count <= 300,
            value.utf8.allSatisfy({
                $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@")
            })
        else { return nil }
        var host = Substring(value)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[...close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
            guard !host.contains(":") else { return nil }
        }
        guard !host.isEmpty else { return nil }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII),
                let number = Int(portText), (1...65535).contains(number)
            else { return nil }
            port = number
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        return (String(host), port)
    }
}
