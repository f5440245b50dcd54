// SPDX-License-Identifier: Apache-2.0

/// Namespace URIs, action URIs and class ResourceURIs used by AMT (wsman.md §1).
public enum WSMANNamespace {
    public static let soapEnvelope = "http://www.w3.org/2003/05/soap-envelope"
    public static let addressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
    public static let wsman = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
    public static let enumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
    public static let transfer = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
    public static let common = "http://schemas.dmtf.org/wbem/wscim/1/common"
    public static let anonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"

    public static let amtBase = "http://intel.com/wbem/wscim/1/amt-schema/1/"
    public static let cimBase = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/"
    public static let ipsBase = "http://intel.com/wbem/wscim/1/ips-schema/1/"

    /// The ResourceURI for a class name with an `AMT_`, `CIM_` or `IPS_` prefix.
    public static func resourceURI(for className: String) -> String? {
        guard className.utf8.count > 4, className.utf8.allSatisfy({ isNameByte($0) }) else { return nil }
        if className.hasPrefix("AMT_") { return amtBase + className }
        if className.hasPrefix("CIM_") { return cimBase + className }
        if className.hasPrefix("IPS_") { return ipsBase + className }
        return nil
    }

    /// The class name at the end of a known ResourceURI.
    public static func className(for resourceURI: String) -> String? {
        for base in [amtBase, cimBase, ipsBase] where resourceURI.hasPrefix(base) {
            let name = String(resourceURI.dropFirst(base.count))
            return Self.resourceURI(for: name) == resourceURI ? name : nil
        }
        return nil
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x5F
    }
}

/// WS-Transfer and WS-Enumeration action URIs (wsman.md §1.2).
public enum WSMANAction {
    public static let get = WSMANNamespace.transfer + "/Get"
    public static let put = WSMANNamespace.transfer + "/Put"
    public static let create = WSMANNamespace.transfer + "/Create"
    public static let delete = WSMANNamespace.transfer + "/Delete"
    public static let enumerate = WSMANNamespace.enumeration + "/Enumerate"
    public static let pull = WSMANNamespace.enumeration + "/Pull"
    public static let release = WSMANNamespace.enumeration + "/Release"

    public static let getResponse = WSMANNamespace.transfer + "/GetResponse"
    public static let putResponse = WSMANNamespace.transfer + "/PutResponse"
    public static let deleteResponse = WSMANNamespace.transfer + "/DeleteResponse"
    public static let enumerateResponse = WSMANNamespace.enumeration + "/EnumerateResponse"
    public static let pullResponse = WSMANNamespace.enumeration + "/PullResponse"

    public static let addressingFault = WSMANNamespace.addressing + "/fault"
    public static let wsmanFault = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"

    /// `RESOURCEURI/Method`, the action of a custom method.
    public static func method(_ name: String, resourceURI: String) -> String { resourceURI + "/" + name }
}
