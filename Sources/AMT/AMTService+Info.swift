public import JSON
public import WSMAN

extension AMTService {
    /// Properties never returned by the API: the provisioning one-time password is a secret.
    static let redactedProperties: Set<String> = ["ProvisioningServerOTP"]

    static func instanceJSON(_ element: SOAPElement) -> JSONValue {
        var json = element.contentJSON(.reference)
        for name in Self.redactedProperties { json[name] = nil }
        if json.members == nil { json = .object([]) }
        return json
    }

    /// `{Header, Body}` of a Get with the Body's instance redacted like ``instanceJSON(_:)``;
    /// `unwrap` puts the instance's properties directly under Body (generalSettings, version).
    static func envelopeJSON(_ response: WSMANResponse, instance: SOAPElement, unwrap: Bool) -> JSONValue {
        let header = response.header?.contentJSON(.reference) ?? .object([])
        let body: JSONValue =
            unwrap
            ? Self.instanceJSON(instance) : .object([JSONMember(instance.name, Self.instanceJSON(instance))])
        return ["Header": header.members == nil ? .object([]) : header, "Body": body]
    }

    /// `version` (W2, W3) in the reference's shape (wsman.md §3.6), without the OTP.
    public func version(guid: String) async throws(AMTError) -> JSONValue {
        var calls = self.calls(guid)
        let identities = try await self.softwareIdentities(&calls)
        let (response, setup) = try await calls.get("AMT_SetupAndConfigurationService")
        return [
            "CIM_SoftwareIdentity": [
                "responses": .array(identities.map { Self.instanceJSON($0.0) }), "status": 200,
            ],
            "AMT_SetupAndConfigurationService": [
                "response": Self.instanceJSON(setup),
                "responses": Self.envelopeJSON(response, instance: setup, unwrap: true),
                "status": 200,
            ],
        ]
    }

    /// The firmware version list (typed), e.g. for device info.
    public func softwareIdentities(guid: String) async throws(AMTError) -> [SoftwareIdentity] {
        var calls = self.calls(guid)
        return try await self.softwareIdentities(&calls).map(\.1)
    }

    /// `generalSettings` (W4): `{Header, Body: {…AMT_GeneralSettings…}}`.
    public func generalSettings(guid: String) async throws(AMTError) -> JSONValue {
        var calls = self.calls(guid)
        let (response, instance) = try await calls.get("AMT_GeneralSettings")
        return Self.envelopeJSON(response, instance: instance, unwrap: true)
    }

    /// The classes of `hardwareInfo`, in the reference's output order; `get` marks a Get,
    /// the others are enumerations read to the end (every page, not only the first).
    static let hardwareClasses: [(name: String, get: Bool)] = [
        ("CIM_ComputerSystemPackage", true), ("CIM_SystemPackaging", false), ("CIM_Chassis", true),
        ("CIM_Chip", false), ("CIM_Card", true), ("CIM_BIOSElement", true), ("CIM_Processor", false),
        ("CIM_PhysicalMemory", false), ("CIM_MediaAccessDevice", false), ("CIM_PhysicalPackage", false),
    ]

    /// The item class an enumeration must contain for its `status` to be 200.
    static let expectedItem: [String: String] = [
        "CIM_SystemPackaging": "CIM_ComputerSystemPackage", "CIM_PhysicalPackage": "CIM_Card",
    ]

    /// `hardwareInfo` (W11–W13) in the reference's shape (wsman.md §3.8). Gets come first,
    /// then the enumerations, in the reference's call order.
    public func hardwareInfo(guid: String) async throws(AMTError) -> JSONValue {
        var calls = self.calls(guid)
        var parts: [String: JSONValue] = [:]
        for (name, isGet) in Self.hardwareClasses where isGet {
            let (response, instance) = try await calls.get(name)
            parts[name] = [
                "response": Self.instanceJSON(instance),
                "responses": [Self.envelopeJSON(response, instance: instance, unwrap: false)],
                "status": 200,
            ]
        }
        let enumerationOrder = [
            "CIM_Processor", "CIM_PhysicalMemory", "CIM_MediaAccessDevice", "CIM_PhysicalPackage",
            "CIM_SystemPackaging", "CIM_Chip",
        ]
        for name in enumerationOrder {
            let items = try await calls.enumerate(name)
            let expected = Self.expectedItem[name] ?? name
            let present = items.contains { $0.name == expected }
            parts[name] = ["responses": .array(items.map(Self.instanceJSON)), "status": present ? 200 : 400]
        }
        return .object(Self.hardwareClasses.map { JSONMember($0.name, parts[$0.name] ?? .null) })
    }
}
