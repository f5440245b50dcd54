// SPDX-License-Identifier: Apache-2.0

public import HTTP

/// One logical WS-MAN call as a state machine: the I/O layer sends what it is told and feeds
/// back each HTTP response. It does no I/O and keeps no clock.
///
/// Flow: ``start()`` returns the first request, pre-authorised when a cached challenge exists.
/// A 401 makes it adopt the challenge and return ``Outcome/send(_:)`` for a retry, which the
/// I/O layer must send on a NEW channel (AMT closes after a 401). At most two requests go out
/// per call; a cached nonce is retried once when it went stale or the device issued a new one.
/// Afterwards ``digest`` holds the challenge to cache per device.
public struct WSMANCall: Sendable, CustomStringConvertible {
    public enum Outcome: Sendable, Equatable {
        case send([UInt8])
        case done(WSMANResponse)
        case failed(WSMANError)
    }

    public static let maxAttempts = 2

    public let body: String
    public let host: String
    private let username: String
    private let password: String
    /// The digest state to cache for the device after the call.
    public private(set) var digest: DigestClient?
    public private(set) var attempts = 0
    private var finished = false

    public init(
        body: String, host: String, credentials: (user: String, password: String), cachedChallenge: DigestClient?
    ) {
        self.body = body
        self.host = host
        self.username = credentials.user
        self.password = credentials.password
        self.digest = cachedChallenge
    }

    /// Never shows the credentials.
    public var description: String { "WSMANCall(host: \(self.host), attempts: \(self.attempts))" }

    /// The first request's bytes.
    public mutating func start() -> [UInt8] {
        precondition(self.attempts == 0, "start() called twice")
        return self.nextRequest()
    }

    /// Feeds one HTTP response and says what to do next.
    public mutating func responseReceived(_ response: HTTPResponse) -> Outcome {
        precondition(self.attempts > 0 && !self.finished, "response without an outstanding request")
        guard response.status == 401 else {
            self.finished = true
            do throws(WSMANError) {
                return .done(try WSMANResponse.decode(response))
            } catch {
                return .failed(error)
            }
        }
        guard self.attempts < Self.maxAttempts,
            let challenge = DigestChallenge.parse(wwwAuthenticate: response.headers.values("WWW-Authenticate"))
        else { return self.fail(.unauthorized) }
        if var digest = self.digest {
            // A pre-authorised request was refused: retry only if the nonce changed or went stale.
            guard digest.adopt(challenge) else { return self.fail(.unauthorized) }
            self.digest = digest
        } else {
            self.digest = DigestClient(challenge: challenge)
        }
        return .send(self.nextRequest())
    }

    private mutating func fail(_ error: WSMANError) -> Outcome {
        self.finished = true
        return .failed(error)
    }

    private mutating func nextRequest() -> [UInt8] {
        self.attempts += 1
        let auth = self.digest.map { d -> String in
            var d = d
            let value = d.authorization(method: "POST", uri: "/wsman", username: self.username, password: self.password)
            self.digest = d
            return value
        }
        return WSMANHTTP.request(body: self.body, host: self.host, authorization: auth)
    }
}
