import Foundation
import MPSServer

// Everything the server writes (database, keys, certificates) is private to its user.
umask(0o077)

let status = await CommandLineTool.main(
    arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)
exit(status)
