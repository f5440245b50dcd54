public import JSON
public import Store
public import Tunnel
public import WSMAN

extension AMTService {
    /// `alarmOccurrences` GET (W27): every alarm as reference JSON plus `InternalInMinutes`
    /// (the reference's spelling, kept for clients) and `IntervalInMinutes`.
    public func alarmOccurrences(guid: String) async throws(AMTError) -> [JSONValue] {
        var calls = self.calls(guid)
        let items = try await calls.enumerate("IPS_AlarmClockOccurrence")
        return items.filter { $0.name == "IPS_AlarmClockOccurrence" }.map { item in
            var json = Self.instanceJSON(item)
            let interval = item.child("Interval")?.child("Interval")?.trimmedText
            let minutes = interval.flatMap(Self.minutes(isoDuration:)) ?? 0
            json["InternalInMinutes"] = .int(minutes)
            json["IntervalInMinutes"] = .int(minutes)
            return json
        }
    }

    /// Whole minutes of an ISO-8601 duration such as `PT5M` or `P1DT2H3M` (days, hours,
    /// minutes, seconds; years and months are not used by AMT alarms). nil if malformed.
    static func minutes(isoDuration text: String) -> Int? {
        var rest = Substring(text)
        guard rest.first == "P" else { return nil }
        rest = rest.dropFirst()
        var seconds = 0.0
        var inTime = false
        var number = ""
        for ch in rest {
            switch ch {
            case "T": inTime = true
            case "0"..."9", ".": number.append(ch)
            default:
                guard let value = Double(number) else { return nil }
                number = ""
                switch (ch, inTime) {
                case ("W", false): seconds += value * 604_800
                case ("D", false): seconds += value * 86_400
                case ("H", true): seconds += value * 3_600
                case ("M", true): seconds += value * 60
                case ("S", true): seconds += value
                default: return nil
                }
            }
        }
        guard number.isEmpty, seconds < 1e12 else { return nil }
        return Int(seconds / 60)
    }

    /// `alarmOccurrences` POST (W29). QuotaLimit → ``AMTError/quotaExceeded``; any other
    /// fault (a duplicate InstanceID) → ``AMTError/rejected(_:)``.
    public func addAlarm(guid: String, _ alarm: AlarmTemplate) async throws(AMTError) -> Int {
        let service = DeviceCalls.uri("AMT_AlarmClockService")
        let occurrence = DeviceCalls.uri("IPS_AlarmClockOccurrence")
        let s = #" xmlns:s=""# + occurrence + #"""#
        func field(_ name: String, _ inner: String) -> String { "<s:\(name)\(s)>" + inner + "</s:\(name)>" }
        let common = #" xmlns:p=""# + WSMANNamespace.common + #"""#
        let input =
            #"<p:AddAlarm_INPUT xmlns:p=""# + service + #""><p:AlarmTemplate>"#
            + field("InstanceID", xmlEscape(alarm.instanceID))
            + field("ElementName", xmlEscape(alarm.elementName))
            + field("StartTime", "<p:Datetime\(common)>" + alarm.startTimeText + "</p:Datetime>")
            + field("Interval", "<p:Interval\(common)>" + alarm.intervalText + "</p:Interval>")
            + field("DeleteOnCompletion", alarm.deleteOnCompletion ? "true" : "false")
            + "</p:AlarmTemplate></p:AddAlarm_INPUT>"
        var calls = self.calls(guid)
        do {
            return try await calls.invoke("AMT_AlarmClockService", "AddAlarm", rawInput: input).returnValue
        } catch let error where error.isFault("QuotaLimit") {
            throw .quotaExceeded
        } catch let error where error.isSOAPFault {
            throw .rejected("the device refused the alarm")
        }
    }

    /// `alarmOccurrences` DELETE (W28). An unknown name (DestinationUnreachable) → notFound.
    public func deleteAlarm(guid: String, instanceID: String) async throws(AMTError) {
        guard !instanceID.isEmpty, instanceID.count <= 256 else {
            throw .invalidArgument(field: "Name", reason: "must be 1 to 256 characters")
        }
        var calls = self.calls(guid)
        do {
            try await calls.delete(
                "IPS_AlarmClockOccurrence", selectors: [WSMANSelector("InstanceID", instanceID)])
        } catch let error where error.isSOAPFault {
            throw .notFound("alarm")
        }
    }

    /// `deactivate` (W30): Unprovision(ProvisioningMode=1). On success the device is
    /// forgotten (registry row, secrets, tunnel). Returns the ReturnValue.
    public func deactivate(guid: String) async throws(AMTError) -> Int {
        var calls = self.calls(guid)
        let out = try await calls.invoke(
            "AMT_SetupAndConfigurationService", "Unprovision", [("ProvisioningMode", .text("1"))])
        if out.returnValue == 0, let registry = self.registry {
            do {
                try await registry.deviceDeactivated(guid: guid.lowercased())
            } catch {
                throw .unexpectedResponse("device unprovisioned, but removing it from the store failed")
            }
        }
        return out.returnValue
    }
}

/// The registry the server uses: deletes the device row and its secrets, and closes the tunnel.
public struct StoreDeviceRegistry: AMTDeviceRegistry {
    let devices: DeviceStore
    let secrets: SecretStore
    let tunnels: TunnelManager

    public init(devices: DeviceStore, secrets: SecretStore, tunnels: TunnelManager) {
        self.devices = devices
        self.secrets = secrets
        self.tunnels = tunnels
    }

    public func deviceDeactivated(guid: String) async throws {
        _ = try await self.devices.delete(guid)
        _ = try await self.secrets.deleteAll(guid: guid)
        self.tunnels.disconnect(guid)
    }
}

/// Pure helpers exposed for tests.
public enum AMTServiceTestHooks {
    public static func minutes(_ isoDuration: String) -> Int? { AMTService.minutes(isoDuration: isoDuration) }
}
