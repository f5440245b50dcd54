// SPDX-License-Identifier: Apache-2.0

/// Why a WS-MAN call failed. Nothing here carries credentials or Authorization values.
public enum WSMANError: Error, Equatable, Sendable {
    /// A SOAP fault. `code` and `subcode` are local names with AMT's prefix removed
    /// (`Sender`, `DestinationUnreachable`); `detail` is the Detail text such as a FaultDetail URI.
    case fault(code: String, subcode: String?, reason: String, detail: String?)
    /// A non-200 answer without a SOAP fault (B25: an upstream error, not a tunnel failure).
    case http(status: Int, body: [UInt8])
    /// Digest authentication failed after the allowed retries.
    case unauthorized
    /// The response is not the XML we expect; the text names the problem, not the content.
    case malformed(String)

    /// Whether a fault's subcode is `name` (compared on the local part).
    public func isFault(_ name: String) -> Bool {
        if case .fault(_, let subcode, _, _) = self { return subcode == name }
        return false
    }
}
