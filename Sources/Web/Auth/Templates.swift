public import Foundation
public import HTTP

/// The pages the server renders (login, errors), read once at start from `templates/`.
/// Placeholders are `{{name}}`; every value is HTML-escaped. A missing file falls back to a
/// bare page, so a server without its templates still lets users sign in.
public struct Templates: Sendable {
    private let pages: [String: String]

    public init(directory: URL?) {
        var pages: [String: String] = [:]
        for name in ["login.html", "error.html", "page.css"] {
            guard let directory,
                let data = FileManager.default.contents(
                    atPath: directory.appendingPathComponent(name).path),
                let text = String(data: data, encoding: .utf8)
            else { continue }
            pages[name] = text
        }
        self.pages = pages
    }

    static let fallbackLogin = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in - MPS</title>\
        </head><body><p>{{message}}</p><form method="post" action="/auth/login">\
        <input name="username" value="{{username}}" autocomplete="username">\
        <input name="password" type="password" autocomplete="current-password">\
        <button type="submit">Sign in</button></form></body></html>
        """
    static let fallbackError = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{status}} {{title}}\
        </title></head><body><h1>{{status}} {{title}}</h1><p>{{message}}</p></body></html>
        """

    /// The login page with an optional notice (already worded for the user).
    public func login(message: String, username: String = "", status: Int = 200) -> HTTPResponse {
        self.html(
            status, self.pages["login.html"] ?? Self.fallbackLogin,
            ["message": message, "username": username])
    }

    public func error(status: Int, message: String) -> HTTPResponse {
        self.html(
            status, self.pages["error.html"] ?? Self.fallbackError,
            ["status": String(status), "title": HTTPStatus.reason(for: status), "message": message])
    }

    public var stylesheet: HTTPResponse {
        var response = HTTPResponse(status: 200)
        response.headers.replace("Content-Type", "text/css; charset=utf-8")
        response.body = Array((self.pages["page.css"] ?? "").utf8)
        return response
    }

    func html(_ status: Int, _ template: String, _ values: [String: String]) -> HTTPResponse {
        var response = HTTPResponse(status: status)
        response.headers.replace("Content-Type", "text/html; charset=utf-8")
        response.body = Array(Self.render(template, values).utf8)
        return response
    }

    /// Replaces each `{{name}}` by its escaped value; unknown names become empty.
    static func render(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += Self.escape(values[name] ?? "")
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
