import Foundation
import MPSServer
import Crypto
import NetCore

// Everything the server writes (database, keys, certificates) is private to its user.
umask(0o077)
OpenSSLMemory.usePooledRecordBuffers()
MemoryTuning.preferMmapForLargeBuffers()

let status = await CommandLineTool.main(
    arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)
exit(status)
