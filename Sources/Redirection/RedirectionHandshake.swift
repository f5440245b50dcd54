// Redirection: the server's own handshake with AMT (redirection.md §2.2–§2.4, §3.5; B48).
public import Crypto
public import Store

/// The server side of the redirection handshake, as a value-type state machine without I/O.
///
/// Sequence: StartRedirectionSession with the mode's tag; on success, query the auth types;
/// choose digest (4), else bad digest (3) — negotiated, never assumed (B48); ask for a
/// challenge with an empty digest; answer it once with the stored credentials; a second
/// failure means a wrong password and ends the handshake (no retries that could trip AMT's
/// lockout, §3.5). On success the caller switches to pass-through; the browser never sees
/// any of this. It does not time itself: the caller delivers `timeout()`.
public struct RedirectionHandshake: Sendable {
    /// What the caller must do next.
    public enum Action: Sendable, Equatable {
        /// Write these bytes to the device.
        case send([UInt8])
        /// The session is authenticated; `leftover` are device bytes after the success reply,
        /// which belong to the browser.
        case authenticated(leftover: [UInt8])
        /// The handshake is over and failed; close the channel.
        case failed(RedirectionFailure)
    }

    enum State: Sendable, Equatable {
        case idle
        case awaitingStartReply
        case awaitingAuthTypes
        case awaitingChallenge(RedirectionAuthType)
        case awaitingResult(RedirectionAuthType)
        case authenticated
        case failed
    }

    public let mode: RedirectionMode
    private let credentials: AMTCredentials
    private let cnonce: String
    private var nonceCount: UInt32 = 0
    private var decoder = RedirectionDecoder()
    private(set) var state: State = .idle

    /// - Parameter cnonce: the client nonce for the digest; by default 32 fresh random hex
    ///   characters (§3.5 recommends 16–32).
    public init(
        mode: RedirectionMode,
        credentials: AMTCredentials,
        cnonce: String = SecureRandom.hexToken(bytes: 16)
    ) {
        self.mode = mode
        self.credentials = credentials
        self.cnonce = cnonce
    }

    /// True once the handshake has succeeded or failed.
    public var isFinished: Bool { self.state == .authenticated || self.state == .failed }

    /// Begins the handshake: the StartRedirectionSession to send.
    public mutating func start() -> Action {
        precondition(self.state == .idle, "the handshake starts once")
        self.state = .awaitingStartReply
        return .send(self.mode.startMessage)
    }

    /// Feeds bytes read from the device; returns the actions in order (none while a reply is
    /// still incomplete). Bytes after the end of the handshake are ignored.
    public mutating func received(_ bytes: [UInt8]) -> [Action] {
        guard !self.isFinished, self.state != .idle else { return [] }
        self.decoder.append(bytes)
        var actions: [Action] = []
        while !self.isFinished {
            let message: RedirectionMessage?
            do {
                message = try self.decoder.next()
            } catch {
                actions.append(self.fail(.protocolViolation(error)))
                break
            }
            guard let message else { break }
            actions.append(self.handle(message))
        }
        return actions
    }

    /// The handshake timer fired: fails unless the handshake already ended.
    public mutating func timeout() -> Action? {
        guard !self.isFinished else { return nil }
        return self.fail(.timeout)
    }

    /// The channel closed under us.
    public mutating func channelClosed() -> Action? {
        guard !self.isFinished else { return nil }
        return self.fail(.channelClosed)
    }

    private mutating func fail(_ failure: RedirectionFailure) -> Action {
        self.state = .failed
        return .failed(failure)
    }

    private mutating func handle(_ message: RedirectionMessage) -> Action {
        switch (self.state, message) {
        case (.awaitingStartReply, .startReply(let reply)):
            guard reply.status == StartRedirectionReply.success else {
                return self.fail(.sessionRefused(status: reply.status))
            }
            self.state = .awaitingAuthTypes
            return .send(RedirectionRequest.authQuery)

        case (.awaitingAuthTypes, .authReply(let reply)):
            guard reply.authType == RedirectionAuthType.query.rawValue else {
                return self.fail(.protocolViolation(.unexpectedMessage(0x14)))
            }
            guard reply.status == AuthenticateSessionReply.success else {
                return self.fail(.authenticationFailed(status: reply.status))
            }
            return self.chooseType(offered: reply.data)

        case (.awaitingChallenge(let type), .authReply(let reply)):
            if reply.status == AuthenticateSessionReply.success, reply.authType != 0 {
                return self.succeed()
            }
            guard reply.status == AuthenticateSessionReply.failure, reply.authType == type.rawValue
            else { return self.fail(.authenticationFailed(status: reply.status)) }
            return self.answer(reply, type: type)

        case (.awaitingResult, .authReply(let reply)):
            guard reply.status == AuthenticateSessionReply.success, reply.authType != 0 else {
                return self.fail(.authenticationFailed(status: reply.status))
            }
            return self.succeed()

        case (_, .startReply):
            return self.fail(.protocolViolation(.unexpectedMessage(0x11)))
        case (_, .authReply):
            return self.fail(.protocolViolation(.unexpectedMessage(0x14)))
        }
    }

    private mutating func chooseType(offered: [UInt8]) -> Action {
        let type: RedirectionAuthType
        if offered.contains(RedirectionAuthType.digest.rawValue) {
            type = .digest
        } else if offered.contains(RedirectionAuthType.badDigest.rawValue) {
            type = .badDigest
        } else {
            return self.fail(.noSupportedAuthType(offered: offered))
        }
        do {
            let request = try RedirectionRequest.challengeRequest(
                type: type,
                username: self.credentials.username
            )
            self.state = .awaitingChallenge(type)
            return .send(request)
        } catch {
            return self.fail(.unusableCredentials)
        }
    }

    private mutating func answer(_ reply: AuthenticateSessionReply, type: RedirectionAuthType)
        -> Action
    {
        let challenge: DigestChallenge
        do {
            challenge = try reply.challenge()
        } catch {
            return self.fail(.protocolViolation(error))
        }
        self.nonceCount += 1
        let nc = hex8(self.nonceCount)
        do {
            let request = try RedirectionDigest.request(
                type: type,
                credentials: self.credentials,
                challenge: challenge,
                cnonce: self.cnonce,
                nc: nc
            )
            self.state = .awaitingResult(type)
            return .send(request)
        } catch {
            // Only our own username can be too long: the device's fields come with 1-byte
            // lengths.
            return self.fail(.unusableCredentials)
        }
    }

    private mutating func succeed() -> Action {
        self.state = .authenticated
        return .authenticated(leftover: self.decoder.takeRemaining())
    }
}

/// Eight lowercase hex digits, as the digest nc field wants.
func hex8(_ value: UInt32) -> String {
    let digits = Array("0123456789abcdef")
    return String((0..<8).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 0xF)] })
}
