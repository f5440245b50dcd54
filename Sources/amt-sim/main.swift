// SPDX-License-Identifier: Apache-2.0
//
// amt-sim: simulated Intel AMT devices that dial an MPS over CIRA (see `--help`).

import Dispatch
import Foundation
import Logging
import NetCore
import Simulator

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("amt-sim: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(SimulatorOptions.help)
    exit(0)
}
let options: SimulatorOptions
let devices: [SimulatedDevice]
var trustedRoot: String?
do {
    options = try SimulatorOptions.parse(arguments)
    devices = try options.devices()
} catch {
    fail("\(error)")
}
if let path = options.trustedRootFile {
    guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
        fail("--trusted-root: cannot read \(path)")
    }
    do {
        try SimulatedFleet.validateTrustedRoot(pem)
    } catch {
        fail("--trusted-root: no usable certificate in \(path)")
    }
    trustedRoot = pem
}

let logger = Logger(label: "amt-sim", level: options.logLevel)
let group: EventLoopGroup
do {
    group = try EventLoopGroup(threads: 2)
} catch {
    fail("cannot start event loops: \(error)")
}
let fleet = SimulatedFleet(
    devices: devices,
    mpsHost: options.mpsHost,
    mpsPort: options.mpsPort,
    group: group,
    logger: logger,
    trustedRootPEM: trustedRoot,
    connectionsPerSecond: options.connectionsPerSecond,
    tlsMaximum: options.tlsMaximum
)

// SIGINT/SIGTERM end the run: handled on a dispatch queue, not by the default action.
let stopRequested = AsyncStream<Int32>.makeStream()
var signalSources: [any DispatchSourceSignal] = []
for signalNumber in [SIGINT, SIGTERM] {
    signal(signalNumber, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
    let continuation = stopRequested.continuation
    // @Sendable: the handler runs on a dispatch queue, not on the main actor.
    source.setEventHandler { @Sendable in continuation.yield(signalNumber) }
    source.resume()
    signalSources.append(source)
}

logger.info(
    "starting",
    metadata: ["devices": "\(devices.count)", "mps": "\(options.mpsHost):\(options.mpsPort)"]
)
fleet.start()
let summaries = Task {
    while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(10))
        if Task.isCancelled { break }
        logger.info("summary", metadata: ["fleet": "\(fleet.summary)"])
    }
}
for await signalNumber in stopRequested.stream {
    logger.info("stopping", metadata: ["signal": "\(signalNumber)"])
    break
}
summaries.cancel()
await fleet.stop()
group.shutdown()
logger.info("stopped", metadata: ["fleet": "\(fleet.summary)"])
exit(0)
