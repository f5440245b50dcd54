// SPDX-License-Identifier: Apache-2.0

internal import Crypto
internal import Foundation

/// Why a request cannot be upgraded to a WebSocket; ``response`` is the answer to send.
public enum WebSocketUpgradeError: Error, Equatable, Sendable {
    case methodNotGet
    case missingUpgradeHeader
    case missingConnectionUpgrade
    case unsupportedVersion
    case invalidKey

    /// 426 with `Sec-WebSocket-Version: 13` for a version mismatch (RFC 6455 §4.4), else 400.
    public var response: HTTPResponse {
        switch self {
        case .unsupportedVersion:
            HTTPResponse(status: 426, headers: ["Sec-WebSocket-Version": "13", "Connection": "close"])
        case .methodNotGet:
            HTTPResponse(status: 405, headers: ["Allow": "GET", "Connection": "close"])
        default:
            HTTPResponse(status: 400, headers: ["Connection": "close"])
        }
    }
}

/// The RFC 6455 opening handshake, server side.
public enum WebSocket {
    /// The fixed GUID of RFC 6455 §1.3.
    static let handshakeGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `base64(SHA-1(key + GUID))`, the `Sec-WebSocket-Accept` value.
    public static func acceptKey(for clientKey: String) -> String {
        Data(Hash.sha1(Array((clientKey + handshakeGUID).utf8))).base64EncodedString()
    }

    /// Whether `request` asks for a WebSocket upgrade at all (so a router can pick the path).
    public static func isUpgradeRequest(_ request: HTTPRequest) -> Bool {
        request.headers.containsToken("Upgrade", "websocket")
    }

    /// The subprotocols the client offered in `Sec-WebSocket-Protocol`, in order.
    public static func offeredProtocols(_ request: HTTPRequest) -> [String] {
        request.headers.listValues("Sec-WebSocket-Protocol").map(String.init)
    }

    /// Validates the handshake (GET, HTTP/1.1, `Upgrade: websocket`, `Connection: upgrade`,
    /// version 13, a key that is 16 bytes of base64) and returns the 101 response.
    /// - Parameter subprotocol: the protocol we selected; it must be one the client offered.
    public static func upgradeResponse(
        for request: HTTPRequest, subprotocol: String? = nil
    ) throws(WebSocketUpgradeError) -> HTTPResponse {
        guard request.method == "GET" else { throw .methodNotGet }
        guard request.headers.containsToken("Upgrade", "websocket") else { throw .missingUpgradeHeader }
        guard request.headers.containsToken("Connection", "upgrade") else { throw .missingConnectionUpgrade }
        guard request.headers.values("Sec-WebSocket-Version").map({ trimOWS(Substring($0)) }) == ["13"] else {
            throw .unsupportedVersion
        }
        let keys = request.headers.values("Sec-WebSocket-Key")
        guard keys.count == 1, let key = keys.first.map({ String(trimOWS(Substring($0))) }),
            key.utf8.count == 24, let raw = Data(base64Encoded: key), raw.count == 16
        else { throw .invalidKey }
        var headers: HTTPHeaders = [
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": acceptKey(for: key),
        ]
        if let p = subprotocol, offeredProtocols(request).contains(p) {
            headers.add("Sec-WebSocket-Protocol", p)
        }
        return HTTPResponse(status: 101, headers: headers)
    }
}
