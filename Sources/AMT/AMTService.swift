public import Foundation
internal import Logging
public import Tunnel
public import WSMAN

/// The service layer for AMT operations: REST routes and (later) JSON-RPC methods call these,
/// so each operation is written once. Each method is a sequence of WS-MAN calls.
public final class AMTService: Sendable {
    public let client: WSMANClient

    public init(client: WSMANClient) { self.client = client }

    /// Current power state (DMTF number, e.g. 2 = on, 8 = soft off) from
    /// CIM_AssociatedPowerManagementService, found by enumerating CIM_ServiceAvailableToElement.
    public func powerState(guid: String) async throws(AMTError) -> Int {
        let items = try await self.enumerate(guid: guid, className: "CIM_ServiceAvailableToElement")
        for item in items where item.name == "CIM_AssociatedPowerManagementService" {
            do {
                return try AssociatedPowerManagementService(WSMANInstance(item)).powerState
            } catch {
                throw .unexpectedResponse("power state: \(error)")
            }
        }
        throw .unexpectedResponse("no CIM_AssociatedPowerManagementService in the enumeration")
    }

    /// Enumerate then Pull until EndOfSequence; returns every item of every page, in order.
    public func enumerate(guid: String, className: String) async throws(AMTError) -> [SOAPElement] {
        guard let uri = WSMANNamespace.resourceURI(for: className) else {
            preconditionFailure("unknown class prefix in \(className)")
        }
        let first = try await self.client.call(
            guid: guid, envelope: WSMANRequest.enumerate(resourceURI: uri, messageID: 0))
        guard var context = first.enumerationContext else {
            throw .unexpectedResponse("Enumerate of \(className) returned no context")
        }
        var items: [SOAPElement] = []
        var messageID = 1
        // A bound on pages, so a device that never ends an enumeration cannot loop us forever.
        for _ in 0..<1000 {
            let page = try await self.client.call(
                guid: guid,
                envelope: WSMANRequest.pull(resourceURI: uri, context: context, messageID: messageID))
            messageID += 1
            items.append(contentsOf: page.items)
            if page.endOfSequence { return items }
            guard let next = page.enumerationContext else { return items }
            context = next
        }
        throw .unexpectedResponse("Enumeration of \(className) did not end")
    }
}
