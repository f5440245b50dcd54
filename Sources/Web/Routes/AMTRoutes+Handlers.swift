public import AMT
internal import Foundation
public import HTTP
public import JSON

/// The AMT routes that take input: validation first (400 naming the field), then the CIRA
/// check, then the service call.
extension AMTRoutes {
    func powerAction(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let action = try AMTBody.powerAction(try c.jsonObject())
        let guid = try self.connectedGUID(c)
        let out = try await self.run(c, guid) { () async throws(AMTError) in
            try await self.amt.powerAction(guid: guid, action: action)
        }
        return .jsonValue(200, out.referenceJSON)
    }

    func bootOptions(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let (action, useSOL) = try AMTBody.bootOptions(try c.jsonObject())
        let guid = try self.connectedGUID(c)
        let out = try await self.run(c, guid) { () async throws(AMTError) in
            try await self.amt.bootOptions(guid: guid, action: action, useSOL: useSOL)
        }
        return .jsonValue(200, out.referenceJSON)
    }

    func setFeatures(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let settings = try AMTBody.featureSettings(try c.jsonObject())
        let guid = try self.connectedGUID(c)
        _ = try await self.run(c, guid) { () async throws(AMTError) in
            try await self.amt.setFeatures(guid: guid, settings)
        }
        return .jsonValue(200, ["status": "AMT Features updated"])
    }

    func auditLog(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let skip = try c.queryInt("startIndex", default: 0, max: Int(Int32.max))
        let guid = try self.connectedGUID(c)
        let page = try await self.run(c, guid) { () async throws(AMTError) in
            try await self.amt.auditLog(guid: guid, skipNewest: skip)
        }
        return .jsonValue(
            200,
            [
                "totalCnt": .int(page.totalCount),
                "records": .array(page.records.map { JSONValue.encoding($0) }),
            ])
    }

    func sendConsentCode(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let body = try c.jsonObject()
        let code = try AMTBody.int(body, "consentCode", range: 0...999_999)
        return try await self.consent(c) { guid throws(AMTError) in
            try await self.amt.sendUserConsentCode(guid: guid, code: code)
        }
    }

    func addAlarm(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let alarm = try AMTBody.alarm(try c.jsonObject())
        let guid = try self.connectedGUID(c)
        do throws(AMTError) {
            let value = try await self.amt.addAlarm(guid: guid, alarm)
            guard value == 0 else { throw AMTError.rejected("AddAlarm returned \(value)") }
            return .jsonValue(200, ["status": "SUCCESS", "ReturnValue": .int(value)])
        } catch .quotaExceeded {
            throw APIError(
                status: 400, message: "Incorrect URI or Bad Request",
                description: "Alarm add request quota exceeded for guid : \(guid).")
        } catch .rejected {
            throw APIError(
                status: 400, message: "Incorrect URI or Bad Request",
                description: "Alarm add request invalid parameters for guid : \(guid).")
        } catch {
            throw APIError(amt: error, guid: guid)
        }
    }

    func deleteAlarm(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let name = try AMTBody.alarmName(try c.jsonObject(), key: "Name")
        let guid = try self.connectedGUID(c)
        do throws(AMTError) {
            try await self.amt.deleteAlarm(guid: guid, instanceID: name)
            return .jsonValue(200, ["status": "SUCCESS"])
        } catch .notFound {
            throw APIError.notFound(
                "Alarm instance not found",
                description: "Alarm occurrence delete request failed for guid : \(guid).")
        } catch {
            throw APIError(amt: error, guid: guid)
        }
    }

    func deactivate(_ c: RequestContext) async throws(APIError) -> HTTPResponse {
        let guid = try self.connectedGUID(c)
        let value = try await self.run(c, guid) { () async throws(AMTError) in
            try await self.amt.deactivate(guid: guid)
        }
        return .jsonValue(200, value == 0 ? ["status": "SUCCESS"] : ["ReturnValue": .int(value)])
    }

    func refresh(_ c: RequestContext) throws(APIError) -> HTTPResponse {
        let guid = try DeviceRoutes.guid(c)
        guard self.amt.isConnected(guid) else { return HTTPResponse(status: 404) }
        self.amt.refresh(guid: guid)
        return .jsonValue(200, ["success": 200, "description": .string("Device info refreshed : \(guid)")])
    }

    func redirectStatus(_ c: RequestContext) throws(APIError) -> HTTPResponse {
        .jsonValue(200, try DeviceService.redirectStatus(
            c.parameter("guid"), isConnected: self.amt.isConnected, sessions: self.redirections))
    }
}

/// Strict reading of AMT route bodies; every error names the field.
enum AMTBody {
    /// An integer given as a JSON number or a string of digits.
    static func int(_ body: [String: JSONValue], _ name: String, range: ClosedRange<Int>? = nil)
        throws(APIError)
        -> Int
    {
        let value = body[name] ?? .null
        let parsed: Int?
        switch value {
        case .number(let n): parsed = Int(n)
        case .string(let s): parsed = s.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(s) : nil
        default: parsed = nil
        }
        guard let parsed else {
            throw .validation(name, "\(name) is required and must be an integer", value: value)
        }
        if let range, !range.contains(parsed) {
            throw .validation(
                name, "\(name) must be from \(range.lowerBound) to \(range.upperBound)", value: value)
        }
        return parsed
    }

    /// A boolean, or one of the strings "true"/"false" (the reference accepts those).
    static func bool(_ body: [String: JSONValue], _ name: String) throws(APIError) -> Bool {
        let value = body[name] ?? .null
        switch value {
        case .bool(let b): return b
        case .string(let s) where s.lowercased() == "true": return true
        case .string(let s) where s.lowercased() == "false": return false
        default: throw .validation(name, "\(name) is required and must be a boolean", value: value)
        }
    }

    /// An ISO-8601 date-time with an offset, with or without fractional seconds.
    static func date(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

extension AMTBody {
    // The validation of each AMT route's body, shared with the JSON-RPC methods.

    static func powerAction(_ body: [String: JSONValue]) throws(APIError) -> PowerAction {
        let value = try AMTBody.int(body, "action")
        guard let action = PowerAction(value) else {
            throw .validation(
                "action", "action must be one of \(PowerAction.allowed)", value: body["action"] ?? .null)
        }
        return action
    }

    static func bootOptions(_ body: [String: JSONValue]) throws(APIError) -> (BootAction, Bool) {
        let value = try AMTBody.int(body, "action")
        guard let action = BootAction(rawValue: value) else {
            let allowed = BootAction.allCases.map(\.rawValue)
            throw .validation("action", "action must be one of \(allowed)", value: body["action"] ?? .null)
        }
        return (action, try AMTBody.bool(body, "useSOL"))
    }

    static func featureSettings(_ body: [String: JSONValue]) throws(APIError) -> FeatureSettings {
        guard let text = body["userConsent"]?.stringValue,
            let consent = UserConsent(rawValue: text.lowercased())
        else {
            throw .validation(
                "userConsent", "userConsent must be one of kvm, all, none",
                value: body["userConsent"] ?? .null)
        }
        return FeatureSettings(
            userConsent: consent, enableSOL: try AMTBody.bool(body, "enableSOL"),
            enableIDER: try AMTBody.bool(body, "enableIDER"), enableKVM: try AMTBody.bool(body, "enableKVM"))
    }

    static func alarm(_ body: [String: JSONValue]) throws(APIError) -> AlarmTemplate {
        guard let name = body["ElementName"]?.stringValue, case .string = body["ElementName"] else {
            throw .validation(
                "ElementName", "ElementName is required and must be a string",
                value: body["ElementName"] ?? .null)
        }
        guard let timeText = body["StartTime"]?.stringValue, case .string = body["StartTime"],
            let start = AMTBody.date(timeText)
        else {
            throw .validation(
                "StartTime", "StartTime is required as an ISO-8601 date and time",
                value: body["StartTime"] ?? .null)
        }
        var instanceID: String?
        if let id = body["InstanceID"], id != .null {
            guard case .string(let s) = id else {
                throw .validation("InstanceID", "InstanceID must be a string", value: id)
            }
            instanceID = s
        }
        let interval =
            body["Interval"] == nil || body["Interval"] == .null
            ? 0 : try AMTBody.int(body, "Interval", range: 0...525_600)
        let deleteOnCompletion =
            body["DeleteOnCompletion"] == nil || body["DeleteOnCompletion"] == .null
            ? true : try AMTBody.bool(body, "DeleteOnCompletion")
        let alarm: AlarmTemplate
        do throws(AMTError) {
            alarm = try AlarmTemplate(
                elementName: name, startTime: start, intervalMinutes: interval, instanceID: instanceID,
                deleteOnCompletion: deleteOnCompletion)
        } catch {
            throw APIError(amt: error, guid: "")
        }
        return alarm
    }

    static func alarmName(_ body: [String: JSONValue], key: String) throws(APIError) -> String {
        guard case .string(let name) = body[key], !name.isEmpty else {
            throw .validation(
                key, "\(key) (the alarm's InstanceID) is required", value: body[key] ?? .null)
        }
        return name
    }
}
