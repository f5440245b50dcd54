public import JSON

extension OpenAPIDocument {
    static let guid: JSONValue = ["$ref": "#/components/parameters/guid"]

    static func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "schema": schema,
         "description": .string(description)]
    }

    static func json(_ schema: JSONValue) -> JSONValue { ["application/json": ["schema": schema]] }

    /// The error responses a route can give, by status.
    static func errorResponse(_ status: Int) -> (String, JSONValue) {
        let text: [Int: String] = [
            400: "Invalid input (names the field) or a request the device refused",
            401: "Missing or invalid X-MPS-API-Key", 404: "Device not found or not connected over CIRA",
            409: "Conflict (for example, no AMT credentials stored)",
            502: "The device or tunnel failed (upstream error)",
            429: "Too many attempts: wait for Retry-After seconds",
            500: "The server could not read a file it needs",
            503: "A dependency is unavailable", 504: "The device did not answer in time",
        ]
        let schema = status == 400
            ? ["oneOf": [OA.ref("ValidationError"), OA.ref("Error")]] : OA.ref("Error")
        return (String(status), ["description": .string(text[status] ?? "Error"), "content": json(schema)])
    }

    /// One operation. `ok` is the success status, its description and schema (nil = no body).
    static func op(
        _ id: String, _ summary: String, tag: String, params: [JSONValue] = [], body: String? = nil,
        ok: (Int, String, JSONValue?), errors: [Int] = [], isPublic: Bool = false, text: Bool = false
    ) -> JSONValue {
        var success: JSONValue = ["description": .string(ok.1)]
        if let schema = ok.2 {
            success["content"] = text ? ["application/x-pem-file": ["schema": schema]] : json(schema)
        }
        var responses: [JSONMember] = [JSONMember(String(ok.0), success)]
        let all = isPublic ? errors : [401] + errors
        for status in all.sorted() {
            let (code, value) = errorResponse(status)
            responses.append(JSONMember(code, value))
        }
        var o: JSONValue = [
            "operationId": .string(id), "summary": .string(summary), "tags": [.string(tag)],
        ]
        if !params.isEmpty { o["parameters"] = .array(params) }
        if let body {
            o["requestBody"] = ["required": true, "content": json(OA.ref(body))]
        }
        o["responses"] = .object(responses)
        if isPublic { o["security"] = [] }
        return o
    }

    static let device = [400, 404, 502, 504]

    static var paths: [(String, [(String, JSONValue)])] {
        let a = "/api/v1/amt"
        let gp = [guid]
        return [
            ("/api/v1/health", [("get", op("getHealth", "Database health", tag: "server",
                ok: (200, "Healthy", OA.ref("Health")), errors: [503], isPublic: true))]),
            ("/api/v1/version", [("get", op("getVersion", "Service version", tag: "server",
                ok: (200, "The version", OA.ref("ServiceVersion")), isPublic: true))]),
            ("/api/v1/ciracert", [("get", op("getCiraCert", "The MPS root certificate (PEM) for CIRA", tag: "server",
                ok: (200, "PEM text", OA.string), isPublic: true, text: true))]),
            ("/api/v1/openapi.json", [("get", op("getOpenAPI", "This document", tag: "server",
                ok: (200, "OpenAPI 3 document", OA.anyObject), isPublic: true))]),
            ("/api/v1/devices", [
                ("get", op("listDevices", "List devices; with $count=true a page object", tag: "devices", params: [
                    query("$top", ["type": "integer", "minimum": 0, "default": 25], "page size (at most 1000)"),
                    query("$skip", ["type": "integer", "minimum": 0, "default": 0], "devices to skip"),
                    query("$count", OA.boolean, "return {data, totalCount}"),
                    query("tags", OA.string, "comma-separated tags"),
                    query("method", OA.enumeration(["AND", "OR"], type: "string"), "tag matching, default OR"),
                    query("hostname", OA.string, "exact host name"),
                    query("friendlyName", OA.string, "exact friendly name"),
                    query("status", OA.enumeration(["0", "1"], type: "string"), "1 = connected only"),
                ], ok: (200, "Devices", ["oneOf": [OA.array(OA.ref("Device")), OA.ref("DevicePage")]]), errors: [400])),
                ("post", op("upsertDevice", "Register a device (201) or update it (200)", tag: "devices",
                    body: "DeviceBody", ok: (201, "Created (200 when it existed)", OA.ref("Device")),
                    errors: [400, 409])),
                ("patch", op("updateDevice", "Update a registered device", tag: "devices", body: "DeviceBody",
                    ok: (200, "Updated", OA.ref("Device")), errors: [400, 404, 409])),
            ]),
            ("/api/v1/devices/stats", [("get", op("deviceStats", "Device counts", tag: "devices",
                ok: (200, "Counts", OA.ref("DeviceStats"))))]),
            ("/api/v1/devices/tags", [("get", op("deviceTags", "Distinct tags", tag: "devices",
                ok: (200, "Tags", OA.array(OA.string))))]),
            ("/api/v1/devices/{guid}", [
                ("get", op("getDevice", "One device", tag: "devices", params: gp,
                    ok: (200, "The device", OA.ref("Device")), errors: [400, 404])),
                ("delete", op("deleteDevice", "Delete a device, its secrets and its tunnel", tag: "devices",
                    params: gp, ok: (204, "Deleted", nil), errors: [400, 404])),
            ]),
            ("/api/v1/devices/{guid}/credentials", [("put", op("setCredentials",
                "Set the device's MPS (CIRA) and/or AMT credentials (write-only)", tag: "devices", params: gp,
                body: "CredentialsBody", ok: (204, "Stored", nil), errors: [400, 404]))]),
            ("/api/v1/devices/disconnect/{guid}", [("delete", op("disconnectDevice", "Close the CIRA tunnel",
                tag: "devices", params: gp, ok: (200, "Disconnected", OA.ref("Success")), errors: [400, 404]))]),
            ("/api/v1/devices/refresh/{guid}", [("delete", op("refreshDevice",
                "Forget the cached AMT session so stored credentials are re-read (404 empty if not connected)",
                tag: "devices", params: gp, ok: (200, "Refreshed", OA.ref("Success")), errors: [400, 404]))]),
            ("/api/v1/devices/redirectstatus/{guid}", [("get", op("redirectStatus", "Open redirection sessions",
                tag: "devices", params: gp, ok: (200, "Session flags", OA.ref("RedirectStatus")),
                errors: [400, 404]))]),
            ("\(a)/version/{guid}", [("get", op("amtVersion", "Firmware versions and provisioning", tag: "amt",
                params: gp, ok: (200, "Versions", OA.ref("AMTVersion")), errors: device))]),
            ("\(a)/generalSettings/{guid}", [("get", op("amtGeneralSettings", "AMT_GeneralSettings", tag: "amt",
                params: gp, ok: (200, "Settings", OA.ref("WSMANEnvelope")), errors: device))]),
            ("\(a)/hardwareInfo/{guid}", [("get", op("amtHardwareInfo", "Hardware inventory", tag: "amt",
                params: gp, ok: (200, "Inventory by CIM class", OA.ref("HardwareInfo")), errors: device))]),
            ("\(a)/power/state/{guid}", [("get", op("amtPowerState", "Current DMTF power state", tag: "amt",
                params: gp, ok: (200, "Power state", OA.ref("PowerState")), errors: device))]),
            ("\(a)/power/capabilities/{guid}", [("get", op("amtPowerCapabilities", "Supported actions",
                tag: "amt", params: gp, ok: (200, "Label to action number", OA.ref("PowerCapabilities")),
                errors: device))]),
            ("\(a)/power/action/{guid}", [("post", op("amtPowerAction", "Power action (DMTF number)", tag: "amt",
                params: gp, body: "PowerActionBody", ok: (200, "AMT's answer", OA.ref("MethodResult")),
                errors: device))]),
            ("\(a)/power/bootOptions/{guid}", [("post", op("amtBootOptions",
                "Boot to BIOS, secure erase, IDE-R, diagnostic or PXE, then power on or reset", tag: "amt",
                params: gp, body: "BootOptionsBody", ok: (200, "AMT's answer", OA.ref("MethodResult")),
                errors: device))]),
            ("\(a)/features/{guid}", [
                ("get", op("amtFeatures", "Redirection, KVM, SOL, IDE-R and user-consent state", tag: "amt",
                    params: gp, ok: (200, "Features", OA.ref("Features")), errors: device)),
                ("post", op("amtSetFeatures", "Set redirection features and the consent policy", tag: "amt",
                    params: gp, body: "FeaturesBody", ok: (200, "Updated", OA.ref("Status")), errors: device)),
            ]),
            ("\(a)/log/audit/{guid}", [("get", op("amtAuditLog", "Audit log page, newest first", tag: "amt",
                params: gp + [query("startIndex", ["type": "integer", "minimum": 0, "default": 0],
                                    "newest records to skip")],
                ok: (200, "Records", OA.ref("AuditLog")), errors: device))]),
            ("\(a)/log/event/{guid}", [("get", op("amtEventLog", "Event log, newest first", tag: "amt",
                params: gp, ok: (200, "Records", OA.array(OA.ref("EventRecord"))), errors: device))]),
            ("\(a)/userConsentCode/{guid}", [
                ("get", op("amtRequestConsent", "Show a consent code on the device (400 if AMT refuses)",
                    tag: "amt", params: gp, ok: (200, "AMT's answer", OA.ref("MethodResult")), errors: device)),
                ("post", op("amtSendConsent", "Send the consent code (400 if AMT refuses)", tag: "amt", params: gp,
                    body: "ConsentCodeBody", ok: (200, "AMT's answer", OA.ref("MethodResult")), errors: device)),
            ]),
            ("\(a)/userConsentCode/cancel/{guid}", [("get", op("amtCancelConsent", "Cancel user consent",
                tag: "amt", params: gp, ok: (200, "AMT's answer", OA.ref("MethodResult")), errors: device))]),
            ("\(a)/alarmOccurrences/{guid}", [
                ("get", op("amtAlarms", "Alarm clock occurrences", tag: "amt", params: gp,
                    ok: (200, "Alarms", OA.array(OA.ref("Alarm"))), errors: device)),
                ("post", op("amtAddAlarm", "Add an alarm (at most 5 per device)", tag: "amt", params: gp,
                    body: "AlarmBody", ok: (200, "Added", OA.ref("Status")), errors: device)),
                ("delete", op("amtDeleteAlarm", "Delete an alarm by InstanceID", tag: "amt", params: gp,
                    body: "AlarmDeleteBody", ok: (200, "Deleted", OA.ref("Status")), errors: device)),
            ]),
            ("\(a)/deactivate/{guid}", [("delete", op("amtDeactivate",
                "Unprovision AMT; on success the device is deleted", tag: "amt", params: gp,
                ok: (200, "{status: SUCCESS} or {ReturnValue}", OA.anyObject), errors: device))]),
        ] + Self.authAndRedirectionPaths
    }

    /// Bearer tokens, relay tokens and IDE-R with the server as disk provider.
    static var authAndRedirectionPaths: [(String, [(String, JSONValue)])] {
        var authorize = op("authorize", "A bearer token for a web user (the reference's login)",
            tag: "auth", body: "AuthorizeBody", ok: (200, "The token", OA.ref("Token")),
            errors: [400, 429], isPublic: true)
        authorize["responses"]?["401"] = [
            "description": "Wrong user name or password", "content": json(OA.ref("Message")),
        ]
        return [
            ("/api/v1/authorize", [("post", authorize)]),
            ("/api/v1/authorize/redirection/{guid}", [("get", op("redirectionToken",
                "A short-lived token for one device's relay (the `p` of the relay URL)", tag: "auth",
                params: [guid], ok: (200, "The token", OA.ref("Token")), errors: [400, 404]))]),
            ("/api/v1/ider/images", [("get", op("iderImages",
                "Disk images the server offers to IDE-R (the data directory's images/)",
                tag: "redirection", ok: (200, "Images", OA.array(OA.ref("IDERImage")))))]),
            ("/api/v1/amt/ider/{guid}", [
                ("post", op("iderStart", "Start IDE-R with an image, the server as the disk",
                    tag: "redirection", params: [guid], body: "IDERStartBody",
                    ok: (201, "Started", OA.ref("IDERSession")), errors: [400, 404, 409, 500, 502])),
                ("delete", op("iderStop", "Stop the device's IDE-R session", tag: "redirection",
                    params: [guid], ok: (200, "{status: stopped}", OA.ref("Status")), errors: [400, 404])),
            ]),
        ]
    }
}
