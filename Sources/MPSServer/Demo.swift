internal import Logging

/// `mps --demo N`. TODO(#2): wired to the device simulator once the Simulator module lands.
enum Demo {
    static func main(_ settings: ServerSettings, count: Int, logger: Logger) async throws -> Int32 {
        throw StartupError("--demo needs the device simulator, which is not built yet")
    }
}
