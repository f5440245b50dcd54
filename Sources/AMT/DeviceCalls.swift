public import JSON
public import WSMAN

/// The WS-MAN calls of one AMT operation on one device: builds each envelope, numbers the
/// messages from 0 (as the reference does per REST request) and sends them in order.
struct DeviceCalls {
    let guid: String
    let transport: any WSMANTransport
    private(set) var nextMessageID = 0

    init(guid: String, transport: any WSMANTransport) {
        self.guid = guid
        self.transport = transport
    }

    /// A bound on Pull pages per enumeration, so a device that never ends one cannot loop us.
    static let maxPages = 1000

    private mutating func messageID() -> Int {
        defer { self.nextMessageID += 1 }
        return self.nextMessageID
    }

    static func uri(_ className: String) -> String {
        guard let uri = WSMANNamespace.resourceURI(for: className) else {
            preconditionFailure("not an AMT/CIM/IPS class: \(className)")
        }
        return uri
    }

    mutating func send(_ envelope: String) async throws(AMTError) -> WSMANResponse {
        try await self.transport.send(guid: self.guid, envelope: envelope)
    }

    /// Get of a singleton (no selector); returns the response and its instance of `className`.
    mutating func get(_ className: String) async throws(AMTError) -> (WSMANResponse, SOAPElement) {
        let id = self.messageID()
        let response = try await self.send(WSMANRequest.get(resourceURI: Self.uri(className), messageID: id))
        guard let instance = response.body.child(className) else {
            throw .unexpectedResponse("Get \(className) returned no instance")
        }
        return (response, instance)
    }

    /// Put of a singleton with `properties` in order.
    @discardableResult
    mutating func put(_ className: String, properties: [(String, WSMANValue)]) async throws(AMTError)
        -> WSMANResponse
    {
        let uri = Self.uri(className)
        let body = WSMANRequest.instance(className: className, resourceURI: uri, properties: properties)
        let id = self.messageID()
        return try await self.send(WSMANRequest.put(resourceURI: uri, body: body, messageID: id))
    }

    /// A custom method with `h:`-prefixed arguments; returns the response and its `_OUTPUT`.
    mutating func invoke(_ className: String, _ method: String, _ arguments: [(String, WSMANValue)])
        async throws(AMTError) -> MethodOutput
    {
        let uri = Self.uri(className)
        let input = WSMANRequest.input(method: method, resourceURI: uri, arguments: arguments)
        return try await self.invoke(className, method, rawInput: input)
    }

    /// A custom method whose `_INPUT` element was built by the caller (XML-escaped already).
    mutating func invoke(_ className: String, _ method: String, rawInput: String) async throws(AMTError)
        -> MethodOutput
    {
        let uri = Self.uri(className)
        let id = self.messageID()
        let response = try await self.send(
            WSMANRequest.invoke(resourceURI: uri, method: method, arguments: rawInput, messageID: id))
        return try MethodOutput(response: response, method: method)
    }

    mutating func delete(_ className: String, selectors: [WSMANSelector]) async throws(AMTError) {
        let id = self.messageID()
        _ = try await self.send(
            WSMANRequest.delete(resourceURI: Self.uri(className), selectors: selectors, messageID: id))
    }

    /// Enumerate, then Pull until the enumeration namespace's EndOfSequence (B21); every item
    /// of every page, in order. A fault on any page is an error, never a short list.
    mutating func enumerate(_ className: String) async throws(AMTError) -> [SOAPElement] {
        let uri = Self.uri(className)
        let first = try await self.send(WSMANRequest.enumerate(resourceURI: uri, messageID: self.messageID()))
        guard var context = first.enumerationContext else {
            throw .unexpectedResponse("Enumerate of \(className) returned no context")
        }
        var items: [SOAPElement] = []
        for _ in 0..<Self.maxPages {
            let id = self.messageID()
            let page = try await self.send(
                WSMANRequest.pull(resourceURI: uri, context: context, messageID: id))
            guard page.body.child("PullResponse", namespace: WSMANNamespace.enumeration) != nil else {
                throw .unexpectedResponse("Pull of \(className) returned no PullResponse")
            }
            items.append(contentsOf: page.items)
            if page.endOfSequence { return items }
            guard let next = page.enumerationContext else {
                throw .unexpectedResponse("Pull of \(className) neither ended nor continued")
            }
            context = next
        }
        throw .unexpectedResponse("Enumeration of \(className) did not end")
    }
}

/// A method's response: the envelope, its `_OUTPUT` element and the ReturnValue.
public struct MethodOutput: Sendable, Equatable {
    public var response: WSMANResponse
    public var output: SOAPElement
    public var returnValue: Int

    init(response: WSMANResponse, method: String) throws(AMTError) {
        guard let output = response.body.child(method + "_OUTPUT") else {
            throw .unexpectedResponse("\(method) returned no \(method)_OUTPUT")
        }
        guard let text = output.child("ReturnValue")?.trimmedText, let value = Int(text) else {
            throw .unexpectedResponse("\(method) returned no numeric ReturnValue")
        }
        self.response = response
        self.output = output
        self.returnValue = value
    }

    /// The reference's shape: `{"Header": {...}, "Body": {"ReturnValue": n, "ReturnValueStr": "..."}}`.
    public var referenceJSON: JSONValue {
        var header = self.response.header?.contentJSON(.reference) ?? .object([])
        if header.members == nil { header = .object([]) }
        return [
            "Header": header,
            "Body": [
                "ReturnValue": .int(self.returnValue),
                "ReturnValueStr": .string(AMTReturnValue.name(self.returnValue)),
            ],
        ]
    }
}

/// Turning a Get instance back into Put properties, in the order read (wsman.md §1.2).
enum PutProperties {
    /// Every property of `instance` in order, repeated elements as one list, with `changes`
    /// applied (a changed property absent from the instance is appended).
    static func from(_ instance: SOAPElement, changes: [(String, String)]) -> [(String, WSMANValue)] {
        var out: [(String, WSMANValue)] = []
        var index: [String: Int] = [:]
        for child in instance.children {
            let value: WSMANValue
            if let datetime = child.child("Datetime") {
                value = .datetime(datetime.trimmedText)
            } else if let parameters = child.child("ReferenceParameters") {
                let uri = parameters.child("ResourceURI")?.trimmedText ?? ""
                let selectors =
                    parameters.child("SelectorSet")?.children(named: "Selector")
                    .map { WSMANSelector($0.attribute("Name") ?? "", $0.text) } ?? []
                value = .reference(resourceURI: uri, selectors: selectors)
            } else if child.children.isEmpty {
                value = .text(child.text)
            } else {
                continue  // a structure we cannot write back faithfully; leave it out
            }
            if let i = index[child.name] {
                switch (out[i].1, value) {
                case (.text(let a), .text(let b)): out[i].1 = .list([a, b])
                case (.list(let a), .text(let b)): out[i].1 = .list(a + [b])
                default: break
                }
            } else {
                index[child.name] = out.count
                out.append((child.name, value))
            }
        }
        for (name, text) in changes {
            if let i = index[name] { out[i].1 = .text(text) } else { out.append((name, .text(text))) }
        }
        return out
    }
}
