// SPDX-License-Identifier: Apache-2.0

public import HTTP
internal import WSMAN

/// The WS-MAN service of one device behind port 16992: strict Digest, then the dispatcher.
///
/// One endpoint serves every channel of the device, so nonces and their counts outlive
/// channels, as on AMT. Rules (wsman.md §2.3): a request without valid credentials gets a 401
/// with a fresh nonce and `Connection: close`; a reused or lower `nc` is refused; an expired
/// nonce gets 401 with `stale="true"`. Authorized requests are answered chunked like AMT. The
/// endpoint does no I/O and takes time from the caller.
public struct WSMANEndpoint: Sendable {
    /// What to send back for one request.
    public struct Reply: Sendable {
        public var status: Int
        public var bytes: [UInt8]
        /// Close the channel once the bytes are out (401 and unreadable requests).
        public var closeChannel: Bool
    }

    public var model: DeviceModel
    public private(set) var contexts = EnumerationContexts()
    private var digest: DigestVerifier
    private var builder = WSMANResponseBuilder()
    private let username: String
    private let password: String
    private let dispatcher: WSMANDispatcher

    public init(
        model: DeviceModel,
        username: String,
        password: String,
        nonceLifetime: Duration = .seconds(300),
        nonceMaxUses: Int = 1000,
        dispatcher: WSMANDispatcher = .standard
    ) {
        self.model = model
        self.username = username
        self.password = password
        self.dispatcher = dispatcher
        self.digest = DigestVerifier(
            realm: model.digestRealm, nonceLifetime: nonceLifetime, maxUsesPerNonce: nonceMaxUses)
    }

    /// Answers one parsed HTTP request.
    /// - Parameters:
    ///   - statusOverride: B25: answer this bare status instead, if the request is authorized.
    /// - Returns: the reply, and whether `statusOverride` was used up.
    public mutating func respond(
        to request: HTTPRequest,
        options: WSMANResponseOptions = .init(),
        statusOverride: Int? = nil,
        now: ContinuousClock.Instant
    ) -> (reply: Reply, usedOverride: Bool) {
        let verdict = self.digest.verify(
            authorization: request.headers["Authorization"],
            method: request.method,
            uri: request.target,
            username: self.username,
            password: self.password,
            now: now
        )
        switch verdict {
        case .denied, .stale:
            let challenge = self.digest.challenge(now: now, stale: verdict == .stale)
            let response = WSMANResponseBuilder.unauthorized(
                wwwAuthenticate: challenge,
                server: self.model.serverHeader
            )
            return (Reply(status: 401, bytes: response.serialize(), closeChannel: true), false)
        case .authorized:
            break
        }
        if let status = statusOverride {
            return (self.bare(status), true)
        }
        guard request.path == "/wsman" else { return (self.bare(404), false) }
        guard request.method == "POST" else { return (self.bare(405), false) }
        let parsed: WSMANIncomingRequest
        do {
            parsed = try WSMANRequestParser.parse(request.body)
        } catch {
            let xml = self.builder.fault(
                resourceURI: nil,
                subcode: WSMANFaultReason.invalidMessage.subcode,
                reason: WSMANFaultReason.invalidMessage.reason,
                relatesTo: ""
            )
            return (self.chunked(400, xml), false)
        }
        let (status, xml) = self.dispatcher.dispatch(
            parsed,
            model: &self.model,
            contexts: &self.contexts,
            builder: &self.builder,
            options: options,
            now: now
        )
        return (self.chunked(status, xml), false)
    }

    /// The answer to bytes that are not HTTP: 400 and close.
    public func unreadable(_ error: HTTPParserError) -> Reply {
        var reply = self.bare(error.status)
        reply.closeChannel = true
        return reply
    }

    private func chunked(_ status: Int, _ xml: String) -> Reply {
        let bytes = WSMANResponseBuilder.chunked(status: status, xml: xml, server: self.model.serverHeader)
        return Reply(status: status, bytes: bytes, closeChannel: false)
    }

    /// A status with no body, as AMT sends for a request it rejects outright (B25).
    private func bare(_ status: Int) -> Reply {
        let response = HTTPResponse(
            status: status,
            headers: ["Server": self.model.serverHeader, "Content-Length": "0"]
        )
        return Reply(status: status, bytes: response.serialize(), closeChannel: false)
    }
}
