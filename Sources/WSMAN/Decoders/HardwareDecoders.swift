// SPDX-License-Identifier: Apache-2.0

/// A physical package (`CIM_Chassis`, `CIM_Card`, or an item of a PhysicalPackage pull).
public struct PhysicalPackage: Sendable, Equatable {
    public var className: String
    public var manufacturer: String
    public var model: String
    public var serialNumber: String
    public var version: String
    public var packageType: Int?
    public var chassisPackageType: Int?

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.className = i.className
        self.manufacturer = i.string("Manufacturer") ?? ""
        self.model = i.string("Model") ?? ""
        self.serialNumber = i.string("SerialNumber") ?? ""
        self.version = i.string("Version") ?? ""
        self.packageType = try i.int("PackageType")
        self.chassisPackageType = try i.int("ChassisPackageType")
    }
}

/// `CIM_BIOSElement`.
public struct BIOSElement: Sendable, Equatable {
    public var manufacturer: String
    public var version: String
    public var releaseDate: String?
    public var primaryBIOS: Bool?
    public var targetOperatingSystem: Int?

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.manufacturer = i.string("Manufacturer") ?? ""
        self.version = try i.requiredString("Version")
        self.releaseDate = i.datetime("ReleaseDate")
        self.primaryBIOS = try i.bool("PrimaryBIOS")
        self.targetOperatingSystem = try i.int("TargetOperatingSystem")
    }
}

/// `CIM_Processor`.
public struct Processor: Sendable, Equatable {
    public var deviceID: String
    public var family: Int?
    public var maxClockSpeed: Int?
    public var currentClockSpeed: Int?
    public var cpuStatus: Int?

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.deviceID = i.string("DeviceID") ?? ""
        self.family = try i.int("Family")
        self.maxClockSpeed = try i.int("MaxClockSpeed")
        self.currentClockSpeed = try i.int("CurrentClockSpeed")
        self.cpuStatus = try i.int("CPUStatus")
    }
}

/// `CIM_PhysicalMemory` (one DIMM). Capacity is in bytes.
public struct PhysicalMemory: Sendable, Equatable {
    public var bankLabel: String
    public var capacity: Int?
    public var manufacturer: String
    public var partNumber: String
    public var serialNumber: String
    public var memoryType: Int?
    public var formFactor: Int?
    public var speed: Int?

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.bankLabel = i.string("BankLabel") ?? ""
        self.capacity = try i.int("Capacity")
        self.manufacturer = i.string("Manufacturer") ?? ""
        self.partNumber = i.string("PartNumber") ?? ""
        self.serialNumber = i.string("SerialNumber") ?? ""
        self.memoryType = try i.int("MemoryType")
        self.formFactor = try i.int("FormFactor")
        let configured = try i.int("ConfiguredMemoryClockSpeed")
        let plain = try i.int("Speed")
        self.speed = configured ?? plain
    }
}

/// `CIM_MediaAccessDevice`. MaxMediaSize is in kB.
public struct MediaAccessDevice: Sendable, Equatable {
    public var deviceID: String
    public var maxMediaSize: Int?
    public var capabilities: [Int]

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.deviceID = i.string("DeviceID") ?? ""
        self.maxMediaSize = try i.int("MaxMediaSize")
        self.capabilities = try i.ints("Capabilities")
    }
}

/// `CIM_Chip`.
public struct Chip: Sendable, Equatable {
    public var manufacturer: String
    public var version: String
    public var tag: String

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.manufacturer = i.string("Manufacturer") ?? ""
        self.version = i.string("Version") ?? ""
        self.tag = i.string("Tag") ?? ""
    }
}

/// `CIM_ComputerSystemPackage` (also the items of a SystemPackaging pull).
public struct ComputerSystemPackage: Sendable, Equatable {
    public var platformGUID: String
    /// The Antecedent's selector values (the chassis), in order.
    public var antecedentSelectors: [String]

    public init(_ i: WSMANInstance) throws(WSMANDecodingError) {
        self.platformGUID = try i.requiredString("PlatformGUID")
        self.antecedentSelectors =
            i.element.child("Antecedent")?.descendant(["ReferenceParameters", "SelectorSet"])?
            .children(named: "Selector").map(\.trimmedText) ?? []
    }
}
