// SPDX-License-Identifier: Apache-2.0

internal import Foundation
public import WSMAN

/// Per-request switches that change what a handler reports (field-fault knobs).
public struct WSMANResponseOptions: Sendable, Equatable {
    /// B22: leave OSPowerSavingState out of power responses.
    public var omitOSPowerSavingState = false

    public init(omitOSPowerSavingState: Bool = false) {
        self.omitOSPowerSavingState = omitOSPowerSavingState
    }
}

/// A WS-MAN fault the simulator answers with (wsman.md §1.5, §6), always HTTP 400 (Sender).
public struct WSMANFaultReason: Sendable, Equatable {
    public var subcode: String
    public var reason: String
    public var action: String

    public static let destinationUnreachable = Self(
        subcode: "DestinationUnreachable",
        reason: "No route can be determined to reach the destination role defined by the WSAddressing To.",
        action: WSMANAction.addressingFault
    )
    public static let actionNotSupported = Self(
        subcode: "ActionNotSupported",
        reason: "The action is not supported by the service.",
        action: WSMANAction.addressingFault
    )
    // TODO(#2): write this subcode in the enumeration namespace; WSMANResponseBuilder.fault
    // always uses the addressing prefix (clients match the local name, wsman.md §1.5).
    public static let invalidEnumerationContext = Self(
        subcode: "InvalidEnumerationContext",
        reason: "The supplied enumeration context is invalid.",
        action: WSMANAction.wsmanFault
    )
    public static let invalidMessage = Self(
        subcode: "InvalidMessageInformationHeader",
        reason: "A message information header is not valid and the message cannot be processed.",
        action: WSMANAction.addressingFault
    )
}

/// What a custom method returns: out-parameters and ReturnValue, or a fault.
public enum WSMANMethodOutcome: Sendable {
    case output([(String, WSMANValue)], returnValue: Int)
    case fault(WSMANFaultReason)
}

/// What a Put returns: the resulting instance, or a fault.
public enum WSMANPutOutcome: Sendable {
    case instance(SimulatedInstance)
    case fault(WSMANFaultReason)
}

/// Routes WS-MAN requests by (ResourceURI, Action) to handlers over a ``DeviceModel``.
///
/// The table holds three kinds of entries: Get of an instance, Enumerate of a list of instances
/// (Pull and Release then work through ``EnumerationContexts`` for that class), and custom
/// methods. A class with no entry at all is `DestinationUnreachable`; a known class with an
/// action it lacks is `ActionNotSupported`. New AMT calls are added with the `register`
/// methods, so ``standard`` is the only place that lists what the simulator supports.
public struct WSMANDispatcher: Sendable {
    public typealias Getter = @Sendable (DeviceModel, WSMANResponseOptions) -> SimulatedInstance
    public typealias Enumerator = @Sendable (DeviceModel, WSMANResponseOptions) -> [SimulatedInstance]
    public typealias Method = @Sendable (inout DeviceModel, WSMANIncomingRequest) -> WSMANMethodOutcome
    /// A Put: the resulting instance, or a fault.
    public typealias Putter = @Sendable (inout DeviceModel, WSMANIncomingRequest) -> WSMANPutOutcome
    /// A Delete: nil when done, or a fault (DestinationUnreachable for an unknown selector).
    public typealias Deleter = @Sendable (inout DeviceModel, WSMANIncomingRequest) -> WSMANFaultReason?

    private enum Operation: Sendable {
        case get(Getter)
        case enumerate(Enumerator)
        case method(String, Method)
        case put(Putter)
        case delete(Deleter)
    }

    private struct Key: Hashable, Sendable {
        var resourceURI: String
        var action: String
    }

    private var table: [Key: Operation] = [:]
    private var classes: Set<String> = []

    public init() {}

    /// Serves `Get` of `className` (transfer/Get).
    public mutating func registerGet(_ className: String, _ getter: @escaping Getter) {
        self.add(className, WSMANAction.get, .get(getter))
    }

    /// Serves `Enumerate`, then `Pull` and `Release`, of `className`.
    public mutating func registerEnumeration(_ className: String, _ enumerator: @escaping Enumerator) {
        self.add(className, WSMANAction.enumerate, .enumerate(enumerator))
    }

    /// Serves the custom method `RESOURCEURI/name` of `className`.
    public mutating func registerMethod(_ className: String, _ name: String, _ method: @escaping Method) {
        guard let uri = WSMANNamespace.resourceURI(for: className) else {
            preconditionFailure("not an AMT/CIM/IPS class: \(className)")
        }
        self.add(className, WSMANAction.method(name, resourceURI: uri), .method(name, method))
    }

    /// Serves `Put` of `className` (transfer/Put).
    public mutating func registerPut(_ className: String, _ putter: @escaping Putter) {
        self.add(className, WSMANAction.put, .put(putter))
    }

    /// Serves `Delete` of `className` (transfer/Delete, with a SelectorSet).
    public mutating func registerDelete(_ className: String, _ deleter: @escaping Deleter) {
        self.add(className, WSMANAction.delete, .delete(deleter))
    }

    private mutating func add(_ className: String, _ action: String, _ operation: Operation) {
        guard let uri = WSMANNamespace.resourceURI(for: className) else {
            preconditionFailure("not an AMT/CIM/IPS class: \(className)")
        }
        self.classes.insert(uri)
        self.table[Key(resourceURI: uri, action: action)] = operation
    }

    /// Answers one authorized request.
    /// - Returns: the HTTP status (200, or 400 for a fault) and the response envelope.
    public func dispatch(
        _ request: WSMANIncomingRequest,
        model: inout DeviceModel,
        contexts: inout EnumerationContexts,
        builder: inout WSMANResponseBuilder,
        options: WSMANResponseOptions,
        now: ContinuousClock.Instant
    ) -> (status: Int, xml: String) {
        let uri = request.resourceURI
        func fault(_ f: WSMANFaultReason) -> (status: Int, xml: String) {
            let xml = builder.fault(
                resourceURI: uri,
                subcode: f.subcode,
                reason: f.reason,
                relatesTo: request.messageID,
                action: f.action
            )
            return (400, xml)
        }
        guard self.classes.contains(uri) else { return fault(.destinationUnreachable) }
        let enumerator: Enumerator? = {
            if case .enumerate(let e)? = self.table[Key(resourceURI: uri, action: WSMANAction.enumerate)] {
                return e
            }
            return nil
        }()
        switch request.action {
        case WSMANAction.pull where enumerator != nil:
            guard let context = request.enumerationContext else { return fault(.invalidEnumerationContext) }
            do {
                let page = try contexts.pull(
                    context,
                    resourceURI: uri,
                    maxElements: request.maxElements ?? 1,
                    now: now
                )
                let xml = builder.pull(
                    resourceURI: uri,
                    items: page.items.map { ($0.className, $0.properties) },
                    nextContext: page.nextContext,
                    relatesTo: request.messageID
                )
                return (200, xml)
            } catch {
                return fault(.invalidEnumerationContext)
            }
        case WSMANAction.release where enumerator != nil:
            guard let context = request.enumerationContext, contexts.release(context) else {
                return fault(.invalidEnumerationContext)
            }
            return (200, builder.methodlessRelease(resourceURI: uri, relatesTo: request.messageID))
        default:
            break
        }
        switch self.table[Key(resourceURI: uri, action: request.action)] {
        case .get(let getter)?:
            let instance = getter(model, options)
            let xml = builder.get(
                resourceURI: uri,
                className: instance.className,
                properties: instance.properties,
                relatesTo: request.messageID
            )
            return (200, xml)
        case .enumerate(let enumerate)?:
            let context = contexts.open(resourceURI: uri, items: enumerate(model, options), now: now)
            return (200, builder.enumerate(resourceURI: uri, context: context, relatesTo: request.messageID))
        case .method(let name, let method)?:
            switch method(&model, request) {
            case .output(let outputs, let returnValue):
                let xml = builder.methodOutput(
                    resourceURI: uri,
                    method: name,
                    outputs: outputs,
                    returnValue: returnValue,
                    relatesTo: request.messageID
                )
                return (200, xml)
            case .fault(let f):
                return fault(f)
            }
        case .put(let put)?:
            switch put(&model, request) {
            case .instance(let instance):
                let xml = builder.put(
                    resourceURI: uri,
                    className: instance.className,
                    properties: instance.properties,
                    relatesTo: request.messageID
                )
                return (200, xml)
            case .fault(let f):
                return fault(f)
            }
        case .delete(let delete)?:
            if let f = delete(&model, request) { return fault(f) }
            return (200, builder.delete(resourceURI: uri, relatesTo: request.messageID))
        case nil:
            return fault(.actionNotSupported)
        }
    }
}

extension WSMANResponseBuilder {
    /// A ReleaseResponse: header only, like AMT's DeleteResponse.
    fileprivate mutating func methodlessRelease(resourceURI: String, relatesTo: String) -> String {
        // The builder has no Release shape; a Delete-shaped envelope differs only in Action.
        let xml = self.delete(resourceURI: resourceURI, relatesTo: relatesTo)
        return xml.replacingOccurrences(
            of: WSMANAction.deleteResponse,
            with: WSMANNamespace.enumeration + "/ReleaseResponse"
        )
    }
}
