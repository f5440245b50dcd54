// SPDX-License-Identifier: Apache-2.0

internal import WSMAN

extension WSMANDispatcher {
    /// Every WS-MAN call the simulator answers today (wsman.md §1.3 W1–W4, W10).
    // TODO(#2): the remaining AMT calls of wsman.md §1.3 (boot, logs, hardware, consent,
    // redirection, alarms, Put), each one more `register` line here.
    public static let standard: WSMANDispatcher = {
        var d = WSMANDispatcher()
        d.registerEnumeration("CIM_ServiceAvailableToElement") { model, options in
            [model.associatedPowerManagementService(omitOSPowerSavingState: options.omitOSPowerSavingState)]
        }
        d.registerEnumeration("CIM_SoftwareIdentity") { model, _ in model.softwareIdentities }
        d.registerGet("AMT_GeneralSettings") { model, _ in model.generalSettings }
        d.registerGet("AMT_SetupAndConfigurationService") { model, _ in model.setupAndConfigurationService }
        d.registerEnumeration("AMT_SetupAndConfigurationService") { model, _ in
            [model.setupAndConfigurationService]
        }
        d.registerGet("IPS_PowerManagementService") { model, options in
            model.ipsPowerManagementService(omitOSPowerSavingState: options.omitOSPowerSavingState)
        }
        d.registerMethod("CIM_PowerManagementService", "RequestPowerStateChange") { model, request in
            guard let text = request.payloadValues["PowerState"], let state = Int(text) else {
                return .output([], returnValue: 5)  // DMTF: Invalid Parameter
            }
            return .output([], returnValue: model.requestPowerStateChange(state))
        }
        return d
    }()
}
