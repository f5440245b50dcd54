import Foundation
import MPSServer

let status = await CommandLineTool.main(
    arguments: CommandLine.arguments, environment: ProcessInfo.processInfo.environment)
exit(status)
