// swift-tools-version:6.0
// The Management Presence Server. Targets are layers; dependencies only point down:
//   C system libraries -> one Swift wrapper each -> pure protocol logic and transport
//   -> services (tunnel manager, AMT service layer, web/REST) -> the app -> executables.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "mps",
    products: [
        .executable(name: "mps", targets: ["mps"]),
        .executable(name: "amt-sim", targets: ["amt-sim"]),
    ],
    targets: [
        // C libraries from Debian, one system-library target each (one shim.h each).
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // Linux syscalls missing from the toolchain's Glibc module (epoll, eventfd, accept4).
        .systemLibrary(name: "CLinux"),
        // OpenSSL's memory functions (pools and small-object slabs), in C so their state exists
        // once; uses OpenSSL's headers (COpenSSL's library) and CRYPTO_set_mem_functions.
        .target(
            name: "COpenSSLMemory", dependencies: ["COpenSSL"],
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]),

        // Thin Swift wrappers: the only importers of their C module.
        .target(name: "Logging", swiftSettings: swiftSettings),
        .target(name: "Crypto", dependencies: ["COpenSSL", "COpenSSLMemory"], swiftSettings: swiftSettings),
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        .target(
            name: "PasswordHash", dependencies: ["CArgon2"], exclude: ["README-params.md"],
            swiftSettings: swiftSettings),

        // Transport and pure protocol logic (no I/O in APF, HTTP, WSMAN).
        .target(name: "NetCore", dependencies: ["CLinux", "Crypto", "Logging"], swiftSettings: swiftSettings),
        .target(name: "APF", swiftSettings: swiftSettings),
        .target(name: "JSON", swiftSettings: swiftSettings),
        .target(name: "HTTP", dependencies: ["Crypto"], swiftSettings: swiftSettings),
        .target(name: "WSMAN", dependencies: ["Crypto", "HTTP", "JSON"], swiftSettings: swiftSettings),
        .target(name: "Config", swiftSettings: swiftSettings),
        .target(name: "RPC", dependencies: ["HTTP", "JSON", "Logging"], swiftSettings: swiftSettings),

        // Storage and services.
        .target(
            name: "Store", dependencies: ["SQLite", "Crypto", "PasswordHash", "Logging", "JSON"],
            swiftSettings: swiftSettings),
        .target(
            name: "Auth", dependencies: ["Store", "SQLite", "PasswordHash", "Crypto", "Logging"],
            swiftSettings: swiftSettings),
        .target(
            name: "Tunnel", dependencies: ["NetCore", "APF", "Store", "Crypto", "Logging"],
            swiftSettings: swiftSettings),
        .target(
            name: "AMT", dependencies: ["Tunnel", "WSMAN", "HTTP", "Store", "Logging", "JSON"],
            swiftSettings: swiftSettings),
        .target(name: "Redirection", dependencies: ["Tunnel", "Crypto", "Logging", "Store"], swiftSettings: swiftSettings),
        .target(
            name: "Web",
            dependencies: [
                "NetCore", "HTTP", "AMT", "Tunnel", "Redirection", "Store", "Crypto", "Logging", "JSON",
                "Auth", "RPC",
            ],
            swiftSettings: swiftSettings),

        // The application: configuration, certificates, wiring, demo mode.
        .target(
            name: "MPSServer",
            dependencies: [
                "Config", "Crypto", "Store", "NetCore", "Tunnel", "AMT", "Web", "Logging", "Redirection",
                "Simulator", "Auth", "PasswordHash",
            ],
            swiftSettings: swiftSettings),

        // The device simulator: device side of APF, WS-MAN with strict Digest.
        .target(
            name: "Simulator",
            dependencies: ["NetCore", "APF", "HTTP", "WSMAN", "Crypto", "Logging"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings),

        .executableTarget(name: "mps", dependencies: ["MPSServer", "Crypto", "NetCore"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "amt-sim", dependencies: ["Simulator"], swiftSettings: swiftSettings),

        // Helpers shared by the test targets (a seeded generator for split and corruption tests;
        // waits and stopwatches that leave out the time a loaded machine stalled the tests).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),

        .testTarget(name: "CryptoTests", dependencies: ["Crypto"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NetCoreTests", dependencies: ["NetCore", "Crypto", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "APFTests", dependencies: ["APF", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WSMANTests", dependencies: ["WSMAN", "HTTP", "Crypto", "JSON", "TestSupport"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "AMTDecodingTests", dependencies: ["AMT", "TestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "AMTTests", dependencies: ["AMT", "WSMAN", "JSON", "Tunnel", "Web", "HTTP", "Logging"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "RPCTests", dependencies: ["RPC", "HTTP", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ConfigTests", dependencies: ["Config"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", "SQLite", "PasswordHash", "Crypto", "JSON", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "APF", "HTTP", "WSMAN", "NetCore", "Crypto", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RedirectionTests",
            dependencies: ["Redirection", "Tunnel", "Crypto", "Simulator", "Store", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "AuthTests", dependencies: ["Auth", "Store", "PasswordHash", "Crypto", "Logging"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "MPSServer", "Simulator", "NetCore", "HTTP", "Crypto", "Store", "Web", "JSON", "Auth",
                "RPC", "Redirection", "Tunnel", "Logging", "TestSupport",
            ],
            swiftSettings: swiftSettings),
    ]
)
