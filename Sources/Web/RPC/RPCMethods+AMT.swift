public import AMT
internal import Foundation
public import JSON
public import RPC

/// `amt.*`: the AMT service layer, with the REST routes' validation (`AMTBody`) on the same
/// fields, and results in the REST JSON shapes. Failures map through `RPCBridge`: no tunnel
/// -32001, silence -32002, device faults -32003, bad fields -32010 naming the field.
extension RPCMethods {
    /// Validates with the REST rules, then runs the AMT call for the params' `guid`.
    func amtCall(
        _ p: ObjectParams, _ body: (String) async throws(AMTError) -> JSONValue
    ) async throws -> RPCValue {
        let guid = try p.guid().lowercased()
        do {
            return RPCBridge.rpcValue(try await body(guid))
        } catch {
            throw RPCBridge.rpcError(error, guid: guid)
        }
    }

    func registerAMT(on d: RPCDispatcher) {
        let simple: [(String, @Sendable (AMTService, String) async throws(AMTError) -> JSONValue)] = [
            ("amt.version", { a, g throws(AMTError) in try await a.version(guid: g) }),
            ("amt.generalSettings", { a, g throws(AMTError) in try await a.generalSettings(guid: g) }),
            ("amt.hardwareInfo", { a, g throws(AMTError) in try await a.hardwareInfo(guid: g) }),
            ("amt.powerState", { a, g throws(AMTError) in
                ["powerstate": .int(try await a.powerState(guid: g).powerState)]
            }),
            ("amt.powerCapabilities", { a, g throws(AMTError) in
                .object(try await a.powerCapabilities(guid: g).map { JSONMember($0.label, .int($0.action)) })
            }),
            ("amt.features", { a, g throws(AMTError) in try await a.features(guid: g).json }),
            ("amt.eventLog", { a, g throws(AMTError) in
                .array(try await a.eventLog(guid: g).map { JSONValue.encoding($0) })
            }),
            ("amt.userConsent.request", { a, g throws(AMTError) in
                try await a.requestUserConsent(guid: g).referenceJSON
            }),
            ("amt.userConsent.cancel", { a, g throws(AMTError) in
                try await a.cancelUserConsent(guid: g).referenceJSON
            }),
            ("amt.alarms.list", { a, g throws(AMTError) in .array(try await a.alarmOccurrences(guid: g)) }),
            ("amt.deactivate", { a, g throws(AMTError) in
                let value = try await a.deactivate(guid: g)
                return value == 0 ? ["status": "SUCCESS"] : ["ReturnValue": .int(value)]
            }),
        ]
        for (name, call) in simple {
            d.register(name, params: ObjectParams.self) { _, p in
                try await self.amtCall(p) { g throws(AMTError) in try await call(self.amt, g) }
            }
        }
        d.register("amt.powerAction", params: ObjectParams.self) { _, p in
            let action = try AMTBody.powerAction(p.object)
            return try await self.amtCall(p) { g throws(AMTError) in
                try await self.amt.powerAction(guid: g, action: action).referenceJSON
            }
        }
        d.register("amt.bootOptions", params: ObjectParams.self) { _, p in
            let (action, useSOL) = try AMTBody.bootOptions(p.object)
            return try await self.amtCall(p) { g throws(AMTError) in
                try await self.amt.bootOptions(guid: g, action: action, useSOL: useSOL).referenceJSON
            }
        }
        d.register("amt.setFeatures", params: ObjectParams.self) { _, p in
            let settings = try AMTBody.featureSettings(p.object)
            return try await self.amtCall(p) { g throws(AMTError) in
                _ = try await self.amt.setFeatures(guid: g, settings)
                return ["status": "AMT Features updated"]
            }
        }
        d.register("amt.auditLog", params: ObjectParams.self) { _, p in
            let skip =
                p.object["startIndex"] == nil
                ? 0 : try AMTBody.int(p.object, "startIndex", range: 0...Int(Int32.max))
            return try await self.amtCall(p) { g throws(AMTError) in
                let page = try await self.amt.auditLog(guid: g, skipNewest: skip)
                return [
                    "totalCnt": .int(page.totalCount),
                    "records": .array(page.records.map { JSONValue.encoding($0) }),
                ]
            }
        }
        d.register("amt.userConsent.send", params: ObjectParams.self) { _, p in
            let code = try AMTBody.int(p.object, "code", range: 0...999_999)
            return try await self.amtCall(p) { g throws(AMTError) in
                try await self.amt.sendUserConsentCode(guid: g, code: code).referenceJSON
            }
        }
        d.register("amt.alarms.add", params: ObjectParams.self) { _, p in
            let alarm = try AMTBody.alarm(p.object)
            return try await self.amtCall(p) { g throws(AMTError) in
                ["ReturnValue": .int(try await self.amt.addAlarm(guid: g, alarm))]
            }
        }
        d.register("amt.alarms.delete", params: ObjectParams.self) { _, p in
            let name = try AMTBody.alarmName(p.object, key: "name")
            return try await self.amtCall(p) { g throws(AMTError) in
                try await self.amt.deleteAlarm(guid: g, instanceID: name)
                return [:]
            }
        }
    }
}
