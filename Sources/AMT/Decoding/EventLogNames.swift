// Names for AMT event-log records (wsman spec §3.10, from IPMI PET).

enum EventLogNames {
    /// Entity names by entity number (`EntityStr`).
    static let entities: [String] = [
        "Unspecified",  // 0
        "Other",  // 1
        "Unknown",  // 2
        "Processor",  // 3
        "Disk",  // 4
        "Peripheral",  // 5
        "System management module",  // 6
        "System board",  // 7
        "Memory module",  // 8
        "Processor module",  // 9
        "Power supply",  // 10
        "Add in card",  // 11
        "Front panel board",  // 12
        "Back panel board",  // 13
        "Power system board",  // 14
        "Drive backplane",  // 15
        "System internal expansion board",  // 16
        "Other system board",  // 17
        "Processor board",  // 18
        "Power unit",  // 19
        "Power module",  // 20
        "Power management board",  // 21
        "Chassis back panel board",  // 22
        "System chassis",  // 23
        "Sub chassis",  // 24
        "Other chassis board",  // 25
        "Disk drive bay",  // 26
        "Peripheral bay",  // 27
        "Device bay",  // 28
        "Fan cooling",  // 29
        "Cooling unit",  // 30
        "Cable interconnect",  // 31
        "Memory device",  // 32
        "System management software",  // 33
        "BIOS",  // 34
        "Intel(r) ME",  // 35
        "System bus",  // 36
        "Group",  // 37
        "Intel(r) ME",  // 38
        "External environment",  // 39
        "Battery",  // 40
        "Processing blade",  // 41
        "Connectivity switch",  // 42
        "Processor/memory module",  // 43
        "I/O module",  // 44
        "Processor I/O module",  // 45
        "Management controller firmware",  // 46
        "IPMI channel",  // 47
        "PCI bus",  // 48
        "PCI express bus",  // 49
        "SCSI bus",  // 50
        "SATA/SAS bus",  // 51
        "Processor front side bus",  // 52
    ]

    /// System firmware errors (sensor type 15, offset 0), by data[1].
    static let firmwareErrors: [String] = [
        "Unspecified.",  // 0
        "No system memory is physically installed in the system.",  // 1
        // 2
        "No usable system memory, all installed memory has experienced an unrecoverable "
            + "failure.",
        "Unrecoverable hard-disk/ATAPI/IDE device failure.",  // 3
        "Unrecoverable system-board failure.",  // 4
        "Unrecoverable diskette subsystem failure.",  // 5
        "Unrecoverable hard-disk controller failure.",  // 6
        "Unrecoverable PS/2 or USB keyboard failure.",  // 7
        "Removable boot media not found.",  // 8
        "Unrecoverable video controller failure.",  // 9
        "No video device detected.",  // 10
        "Firmware (BIOS) ROM corruption detected.",  // 11
        // 12
        "CPU voltage mismatch (processors that share same supply have mismatched voltage "
            + "requirements)",
        "CPU speed matching failure",  // 13
    ]

    /// System firmware progress (sensor type 15, other offsets), by data[1].
    static let firmwareProgress: [String] = [
        "Unspecified.",  // 0
        "Memory initialization.",  // 1
        "Starting hard-disk initialization and test",  // 2
        "Secondary processor(s) initialization",  // 3
        "User authentication",  // 4
        "User-initiated system setup",  // 5
        "USB resource configuration",  // 6
        "PCI resource configuration",  // 7
        "Option ROM initialization",  // 8
        "Video initialization",  // 9
        "Cache initialization",  // 10
        "SM Bus initialization",  // 11
        "Keyboard controller initialization",  // 12
        "Embedded controller/management controller initialization",  // 13
        "Docking station attachment",  // 14
        "Enabling docking station",  // 15
        "Docking station ejection",  // 16
        "Disabling docking station",  // 17
        "Calling operating system wake-up vector",  // 18
        "Starting operating system boot process",  // 19
        "Baseboard or motherboard initialization",  // 20
        "reserved",  // 21
        "Floppy initialization",  // 22
        "Keyboard test",  // 23
        "Pointing device test",  // 24
        "Primary processor initialization",  // 25
    ]

    /// Agent watchdog states (sensor type 18), by data[7].
    static let watchdogStates: [UInt8: String] = [
        1: "Not Started", 2: "Stopped", 4: "Running", 8: "Expired", 16: "Suspended",
    ]
}
