public import JSON

/// Small builders for the OpenAPI 3.0 document (see ``OpenAPIDocument``).
enum OA {
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    static let string: JSONValue = ["type": "string"]
    static let integer: JSONValue = ["type": "integer"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let anyObject: JSONValue = ["type": "object", "additionalProperties": true]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static func nullable(_ s: JSONValue) -> JSONValue {
        var s = s
        s["nullable"] = true
        return s
    }
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    static func enumeration(_ values: [JSONValue], type: String = "integer") -> JSONValue {
        ["type": .string(type), "enum": .array(values)]
    }

    /// An object schema; `required` lists the names that must be present.
    static func object(_ properties: [(String, JSONValue)], required: [String] = [], extra: Bool = false)
        -> JSONValue
    {
        var o: JSONValue = ["type": "object", "properties": .object(properties.map { JSONMember($0.0, $0.1) })]
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        if extra { o["additionalProperties"] = true }
        return o
    }
}

extension OpenAPIDocument {
    static let schemas: [(String, JSONValue)] = [
        ("Error", OA.object([("error", OA.string), ("errorDescription", OA.string),
                             ("upstreamStatus", OA.integer)], required: ["error"])),
        ("ValidationError", OA.object([("errors", OA.array(OA.object([
            ("type", OA.string), ("value", [:]), ("msg", OA.string), ("path", OA.string),
            ("location", OA.enumeration(["body", "query", "params"], type: "string")),
        ])))], required: ["errors"])),
        ("Device", OA.object([
            ("guid", ["type": "string", "format": "uuid"]), ("hostname", OA.nullable(OA.string)),
            ("tags", OA.array(OA.string)), ("mpsInstance", OA.nullable(OA.string)), ("connectionStatus", OA.boolean),
            ("mpsusername", OA.nullable(OA.string)), ("tenantId", OA.string), ("friendlyName", OA.nullable(OA.string)),
            ("dnsSuffix", OA.nullable(OA.string)), ("lastConnected", OA.nullable(OA.dateTime)),
            ("lastSeen", OA.nullable(OA.dateTime)), ("lastDisconnected", OA.nullable(OA.dateTime)),
            ("deviceInfo", OA.nullable(OA.anyObject)),
        ], required: ["guid", "tags", "connectionStatus", "tenantId"])),
        ("DeviceBody", OA.object([
            ("guid", ["type": "string", "format": "uuid"]),
            ("hostname", OA.nullable(["type": "string", "maxLength": 255])),
            ("friendlyName", OA.nullable(OA.string)), ("dnsSuffix", OA.nullable(OA.string)),
            ("mpsusername", OA.nullable(["type": "string", "maxLength": 16])),
            ("tenantId", ["type": "string", "maxLength": 36]), ("tags", OA.array(OA.string)),
            ("deviceInfo", OA.nullable(OA.anyObject)),
        ], required: ["guid"])),
        ("DevicePage", OA.object([("data", OA.array(OA.ref("Device"))), ("totalCount", OA.integer)])),
        ("DeviceStats", OA.object([("totalCount", OA.integer), ("connectedCount", OA.integer),
                                   ("disconnectedCount", OA.integer)])),
        ("UserPassword", OA.object([("username", OA.string), ("password", ["type": "string", "format": "password"])],
                                   required: ["username", "password"])),
        ("CredentialsBody", OA.object([("mps", OA.ref("UserPassword")), ("amt", OA.ref("UserPassword"))])),
        ("Success", OA.object([("success", OA.integer), ("description", OA.string)])),
        ("AuthorizeBody", OA.object([("username", OA.string), ("password", ["type": "string", "format": "password"])],
                                    required: ["username", "password"])),
        ("Token", OA.object([("token", OA.string)], required: ["token"])),
        ("Message", OA.object([("message", OA.string)])),
        ("IDERImage", OA.object([("name", OA.string), ("size", OA.integer)], required: ["name", "size"])),
        ("IDERStartBody", OA.object([("image", OA.string)], required: ["image"])),
        ("IDERSession", OA.object([("guid", OA.string), ("image", OA.string), ("id", OA.integer),
                                   ("started", ["type": "string", "format": "date-time"])])),
        ("Status", OA.object([("status", OA.string), ("ReturnValue", OA.integer)], required: ["status"])),
        ("RedirectStatus", OA.object([("isKVMConnected", OA.boolean), ("isSOLConnected", OA.boolean),
                                      ("isIDERConnected", OA.boolean)])),
        ("Health", OA.object([("db", OA.object([("name", OA.string), ("status", OA.string)]))])),
        ("ServiceVersion", OA.object([("serviceVersion", OA.string)])),
        ("WSMANEnvelope", OA.object([("Header", OA.anyObject), ("Body", OA.anyObject)], required: ["Header", "Body"])),
        ("MethodResult", OA.object([
            ("Header", OA.anyObject),
            ("Body", OA.object([("ReturnValue", OA.integer), ("ReturnValueStr", OA.string)])),
        ])),
        ("PowerActionBody", OA.object([("action", OA.enumeration(
            [2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17]))], required: ["action"])),
        ("BootOptionsBody", OA.object([
            ("action", OA.enumeration([100, 101, 104, 200, 201, 202, 203, 300, 301, 400, 401])), ("useSOL", OA.boolean),
        ], required: ["action", "useSOL"])),
        ("PowerState", OA.object([("powerstate", OA.integer)], required: ["powerstate"])),
        ("PowerCapabilities", ["type": "object", "additionalProperties": OA.integer]),
        ("Features", OA.object([
            ("userConsent", OA.nullable(OA.enumeration(["none", "kvm", "all"], type: "string"))),
            ("redirection", OA.boolean), ("KVM", OA.boolean), ("SOL", OA.boolean), ("IDER", OA.boolean),
            ("optInState", OA.integer), ("kvmAvailable", OA.boolean),
        ])),
        ("FeaturesBody", OA.object([
            ("userConsent", OA.enumeration(["none", "kvm", "all"], type: "string")), ("enableSOL", OA.boolean),
            ("enableIDER", OA.boolean), ("enableKVM", OA.boolean),
        ], required: ["userConsent", "enableSOL", "enableIDER", "enableKVM"])),
        ("AuditRecord", OA.object([
            ("AuditAppID", OA.integer), ("EventID", OA.integer), ("InitiatorType", OA.integer), ("AuditApp", OA.string),
            ("Event", OA.string), ("Initiator", OA.string), ("Time", OA.dateTime), ("MCLocationType", OA.integer),
            ("NetAddress", OA.string), ("Ex", OA.string), ("ExStr", OA.nullable(OA.string)),
        ])),
        ("AuditLog", OA.object([("totalCnt", OA.integer), ("records", OA.array(OA.ref("AuditRecord")))])),
        ("EventRecord", OA.object([
            ("DeviceAddress", OA.integer), ("EventSensorType", OA.integer), ("EventType", OA.integer),
            ("EventOffset", OA.integer), ("EventSourceType", OA.integer), ("EventSeverity", OA.integer),
            ("SensorNumber", OA.integer), ("Entity", OA.integer), ("EntityInstance", OA.integer),
            ("EventData", OA.array(OA.integer)), ("TimeStamp", OA.dateTime), ("EntityStr", OA.string),
            ("Desc", OA.nullable(OA.string)),
        ])),
        ("ConsentCodeBody", OA.object([("consentCode", ["type": "integer", "minimum": 0, "maximum": 999_999])],
                                      required: ["consentCode"])),
        ("Alarm", OA.object([
            ("ElementName", OA.string), ("InstanceID", OA.string), ("DeleteOnCompletion", OA.boolean),
            ("StartTime", OA.object([("Datetime", OA.dateTime)])), ("Interval", OA.object([("Interval", OA.string)])),
            ("InternalInMinutes", OA.integer), ("IntervalInMinutes", OA.integer),
        ], extra: true)),
        ("AlarmBody", OA.object([
            ("ElementName", ["type": "string", "minLength": 1]), ("StartTime", OA.dateTime),
            ("Interval", ["type": "integer", "minimum": 0, "maximum": 525_600, "description": "minutes"]),
            ("InstanceID", ["type": "string", "maxLength": 32]), ("DeleteOnCompletion", OA.boolean),
        ], required: ["ElementName", "StartTime"])),
        ("AlarmDeleteBody", OA.object([("Name", ["type": "string", "minLength": 1])], required: ["Name"])),
        ("AMTVersion", OA.object([
            ("CIM_SoftwareIdentity", OA.object([("responses", OA.array(OA.anyObject)), ("status", OA.integer)])),
            ("AMT_SetupAndConfigurationService", OA.object([
                ("response", OA.anyObject), ("responses", OA.ref("WSMANEnvelope")), ("status", OA.integer),
            ])),
        ])),
        ("HardwareInfo", ["type": "object", "additionalProperties": OA.object([
            ("response", OA.anyObject), ("responses", OA.array(OA.anyObject)), ("status", OA.integer),
        ])]),
    ]
}
