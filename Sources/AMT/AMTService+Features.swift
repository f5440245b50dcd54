public import WSMAN

extension AMTService {
    /// What a features read learned, with the instances needed to write them back.
    struct FeatureState {
        var features: AMTFeatures
        var redirection: SOAPElement
        var optIn: SOAPElement
    }

    // TODO(#3): the later-MPS feature flags (ocr, httpsBootSupported, winREBootSupported,
    // localPBABootSupported, remoteErase; wsman.md §3.11) are not read or written yet.

    /// `features` GET (W17, W22, W20; wsman.md §3.11). A fault on the KVM class (a part
    /// without KVM) gives kvmAvailable=false and KVM=false, not an error (B23).
    public func features(guid: String) async throws(AMTError) -> AMTFeatures {
        var calls = self.calls(guid)
        return try await self.readFeatures(&calls).features
    }

    func readFeatures(_ calls: inout DeviceCalls) async throws(AMTError) -> FeatureState {
        let (_, redirection) = try await calls.get("AMT_RedirectionService")
        let (_, optIn) = try await calls.get("IPS_OptInService")
        var kvmState: Int?
        do {
            let (_, kvm) = try await calls.get("CIM_KVMRedirectionSAP")
            kvmState = try WSMANInstance(kvm).int("EnabledState")
        } catch let error as AMTError where error.isSOAPFault {
            kvmState = nil
        } catch let error as AMTError {
            throw error
        } catch {
            throw .unexpectedResponse("CIM_KVMRedirectionSAP.EnabledState is not a number")
        }
        let r = WSMANInstance(redirection)
        let o = WSMANInstance(optIn)
        let features = try Self.decode { () throws(WSMANDecodingError) -> AMTFeatures in
            let enabled = try r.requiredInt("EnabledState")
            let required = try o.requiredInt("OptInRequired")
            return AMTFeatures(
                userConsent: UInt32(exactly: required).flatMap(UserConsent.init(optInRequired:)),
                redirection: try r.bool("ListenerEnabled") ?? false,
                kvm: kvmState == 2 || kvmState == 6,
                sol: enabled & 2 != 0, ider: enabled & 1 != 0,
                optInState: try o.int("OptInState") ?? 0,
                kvmAvailable: kvmState != nil)
        }
        return FeatureState(features: features, redirection: redirection, optIn: optIn)
    }

    /// `features` POST (wsman.md §3.12). Redirection changes: RequestStateChange on the
    /// redirection service, on the KVM SAP (only when the device has KVM), then a Put of the
    /// listener; a changed consent policy: a Put of IPS_OptInService. Enabling KVM on a part
    /// without KVM is refused before anything is written. Returns the features read back.
    public func setFeatures(guid: String, _ settings: FeatureSettings) async throws(AMTError) -> AMTFeatures {
        var calls = self.calls(guid)
        let state = try await self.readFeatures(&calls)
        let current = state.features
        if settings.enableKVM && !current.kvmAvailable {
            throw .notSupported(field: "enableKVM", reason: "the device has no KVM redirection")
        }
        let sol = settings.enableSOL
        let ider = settings.enableIDER
        let kvm = settings.enableKVM
        let listener = sol || ider || kvm
        let changed =
            sol != current.sol || ider != current.ider
            || (current.kvmAvailable && kvm != current.kvm) || listener != current.redirection
        if changed {
            let enabled = 32768 + (ider ? 1 : 0) + (sol ? 2 : 0)
            let r = try await calls.invoke(
                "AMT_RedirectionService", "RequestStateChange", [("RequestedState", .text(String(enabled)))])
            try Self.requireSuccess(r, "AMT_RedirectionService.RequestStateChange")
            if current.kvmAvailable {
                let k = try await calls.invoke(
                    "CIM_KVMRedirectionSAP", "RequestStateChange",
                    [("RequestedState", .text(kvm ? "2" : "3"))])
                try Self.requireSuccess(k, "CIM_KVMRedirectionSAP.RequestStateChange")
            }
            try await calls.put(
                "AMT_RedirectionService",
                properties: PutProperties.from(
                    state.redirection,
                    changes: [
                        ("EnabledState", String(enabled)), ("ListenerEnabled", listener ? "true" : "false"),
                    ]))
        }
        if current.userConsent != settings.userConsent {
            try await calls.put(
                "IPS_OptInService",
                properties: PutProperties.from(
                    state.optIn, changes: [("OptInRequired", String(settings.userConsent.optInRequired))]))
        }
        return try await self.readFeatures(&calls).features
    }

    static func requireSuccess(_ output: MethodOutput, _ what: String) throws(AMTError) {
        guard output.returnValue == 0 else {
            throw .rejected("\(what) returned \(AMTReturnValue.name(output.returnValue))")
        }
    }

    // MARK: User consent (W24–W26)

    /// Asks AMT to show a consent code on the device's screen.
    public func requestUserConsent(guid: String) async throws(AMTError) -> MethodOutput {
        var calls = self.calls(guid)
        return try await calls.invoke("IPS_OptInService", "StartOptIn", [])
    }

    /// Sends the code the operator read off the screen. OptInCode is a uint32 in AMT, so the
    /// number is sent as plain decimal (a displayed `012345` is 12345), as the reference does.
    public func sendUserConsentCode(guid: String, code: Int) async throws(AMTError) -> MethodOutput {
        guard (0...999_999).contains(code) else {
            throw .invalidArgument(field: "consentCode", reason: "must be a number of at most six digits")
        }
        var calls = self.calls(guid)
        return try await calls.invoke(
            "IPS_OptInService", "SendOptInCode", [("OptInCode", .text(String(code)))])
    }

    public func cancelUserConsent(guid: String) async throws(AMTError) -> MethodOutput {
        var calls = self.calls(guid)
        return try await calls.invoke("IPS_OptInService", "CancelOptIn", [])
    }
}
