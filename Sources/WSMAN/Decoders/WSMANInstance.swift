// SPDX-License-Identifier: Apache-2.0

/// Why a typed decoder could not read an instance.
public enum WSMANDecodingError: Error, Equatable, Sendable {
    /// The response holds no instance of the class.
    case missingInstance(String)
    /// A required property is absent.
    case missingProperty(String)
    /// A property holds text that is not of the expected type.
    case invalidValue(String)
}

/// One CIM instance (a Get payload or a Pull item) with typed property access.
public struct WSMANInstance: Sendable, Equatable {
    public var element: SOAPElement

    public init(_ element: SOAPElement) {
        self.element = element
    }

    /// The instance's class, the element's local name (`CIM_Card`).
    public var className: String { self.element.name }

    /// The text of the first property `name`, nil when absent.
    public func string(_ name: String) -> String? { self.element.child(name)?.text }

    /// Every value of a multi-valued property, in order.
    public func strings(_ name: String) -> [String] { self.element.children(named: name).map(\.trimmedText) }

    public func int(_ name: String) throws(WSMANDecodingError) -> Int? {
        guard let text = self.element.child(name)?.trimmedText else { return nil }
        guard let v = Int(text) else { throw .invalidValue(name) }
        return v
    }

    public func bool(_ name: String) throws(WSMANDecodingError) -> Bool? {
        guard let text = self.element.child(name)?.trimmedText else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw .invalidValue(name)
        }
    }

    public func requiredString(_ name: String) throws(WSMANDecodingError) -> String {
        guard let v = self.string(name) else { throw .missingProperty(name) }
        return v
    }

    public func requiredInt(_ name: String) throws(WSMANDecodingError) -> Int {
        guard let v = try self.int(name) else { throw .missingProperty(name) }
        return v
    }

    public func ints(_ name: String) throws(WSMANDecodingError) -> [Int] {
        var out: [Int] = []
        for text in self.strings(name) {
            guard let v = Int(text) else { throw .invalidValue(name) }
            out.append(v)
        }
        return out
    }

    /// A CIM datetime property (`<g:ReleaseDate><h:Datetime>…</h:Datetime></g:ReleaseDate>`).
    public func datetime(_ name: String) -> String? {
        self.element.child(name)?.child("Datetime")?.trimmedText
    }
}

extension WSMANResponse {
    /// The Get payload, or the first Pull item, of class `className`.
    public func instance(_ className: String) throws(WSMANDecodingError) -> WSMANInstance {
        if let e = self.body.child(className) { return WSMANInstance(e) }
        if let e = self.items.first(where: { $0.name == className }) { return WSMANInstance(e) }
        throw .missingInstance(className)
    }

    /// Every Pull item (of `className`, when given).
    public func instances(_ className: String? = nil) -> [WSMANInstance] {
        self.items.filter { className == nil || $0.name == className }.map(WSMANInstance.init)
    }
}
