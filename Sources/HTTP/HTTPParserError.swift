// SPDX-License-Identifier: Apache-2.0

/// Why an HTTP message could not be parsed. After any of these the connection's byte stream is
/// no longer trustworthy: the parser stays failed and the I/O layer answers (``status``) and
/// closes.
public enum HTTPParserError: Error, Equatable, Sendable {
    /// The request line is not `method SP target SP HTTP/1.x`.
    case invalidRequestLine
    /// The status line is not `HTTP/1.x SP 3DIGIT [SP reason]`.
    case invalidStatusLine
    /// The request target is not origin-form, absolute-form or `*`, or decodes badly.
    case invalidTarget
    /// A header line has no colon, a bad name, whitespace before the colon or control bytes.
    case invalidHeader
    /// A header line starts with whitespace (obsolete line folding, RFC 9112 §5.2).
    case obsoleteLineFolding
    /// A line ended in LF without CR where we require CRLF.
    case bareLineFeed
    /// The request line and headers exceed the head limit.
    case headersTooLarge
    /// More header fields than the limit.
    case tooManyHeaders
    /// The body (declared or received) exceeds the body limit.
    case bodyTooLarge
    /// Content-Length is not a decimal number, or several differ.
    case invalidContentLength
    /// Both Content-Length and Transfer-Encoding (request smuggling guard, RFC 9112 §6.3).
    case conflictingFraming
    /// A transfer coding other than a final `chunked`.
    case unsupportedTransferEncoding
    /// A chunk size line, chunk terminator or trailer is malformed.
    case invalidChunk
    /// An HTTP version other than 1.x.
    case unsupportedVersion
    /// An HTTP/1.1 request without exactly one Host field (RFC 9112 §3.2).
    case invalidHost
    /// An `Expect` value other than `100-continue`.
    case expectationFailed
    /// The peer closed the connection in the middle of a message.
    case truncatedMessage

    /// The response status a server sends for this error.
    public var status: Int {
        switch self {
        case .headersTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .unsupportedTransferEncoding: 501
        case .unsupportedVersion: 505
        case .expectationFailed: 417
        default: 400
        }
    }
}
