// SPDX-License-Identifier: Apache-2.0

internal import WSMAN

extension WSMANDispatcher {
    /// Every WS-MAN call the simulator answers (wsman.md §1.3 W1–W30; the AMT feature calls
    /// are registered in ``registerAMTFeatures()``).
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
        d.registerAMTFeatures()  // includes RequestPowerStateChange with its log records
        return d
    }()
}
