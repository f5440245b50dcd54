// SPDX-License-Identifier: Apache-2.0

internal import HTTP

/// The HTTP side of one APF channel to port 16992: a resumable request parser feeding a
/// device's ``WSMANEndpoint``.
///
/// Requests may span CHANNEL_DATA messages or share one; they are answered in order. After a
/// reply that closes the channel (401, unreadable bytes, or any reply under the
/// `closeAfterReply` fault) the channel takes nothing more. With `stallHTTP` set (B27)
/// requests are read and dropped unanswered. No I/O.
public struct WSMANChannel: Sendable {
    /// What the I/O layer must do, in order.
    public enum Output: Sendable {
        /// Write these bytes on the channel (one response).
        case send([UInt8], status: Int)
        /// Close the channel after everything before it is sent.
        case close
    }

    private var parser = HTTPRequestParser(limits: .init(maxHeadSize: 16 * 1024, maxBodySize: 256 * 1024))
    public private(set) var isFinished = false

    public init() {}

    /// Bytes received on the channel.
    /// - Parameters:
    ///   - faults: the device's active faults; a used-up `.httpStatus` is removed from it.
    public mutating func received(
        _ bytes: [UInt8],
        endpoint: inout WSMANEndpoint,
        faults: inout Set<SimulatedFault>,
        now: ContinuousClock.Instant
    ) -> [Output] {
        guard !self.isFinished else { return [] }
        self.parser.append(bytes)
        var outputs: [Output] = []
        while !self.isFinished {
            let request: HTTPRequest
            do {
                guard let next = try self.parser.next() else { break }
                request = next
            } catch {
                let reply = endpoint.unreadable(error)
                self.isFinished = true
                return outputs + [.send(reply.bytes, status: reply.status), .close]
            }
            if faults.contains(.stallHTTP) { continue }
            let override = faults.lazy.compactMap { fault -> SimulatedFault? in
                if case .httpStatus = fault { return fault }
                return nil
            }.first
            var status: Int?
            if case .httpStatus(let s)? = override { status = s }
            let options = WSMANResponseOptions(
                omitOSPowerSavingState: faults.contains(.omitOSPowerSavingState)
            )
            let (reply, used) = endpoint.respond(
                to: request,
                options: options,
                statusOverride: status,
                now: now
            )
            if used, let override { faults.remove(override) }
            outputs.append(.send(reply.bytes, status: reply.status))
            if reply.closeChannel || faults.contains(.closeAfterReply) {
                self.isFinished = true
                outputs.append(.close)
            }
        }
        return outputs
    }
}
