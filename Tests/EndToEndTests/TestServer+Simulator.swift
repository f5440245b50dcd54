import Foundation
import Simulator

extension TestServer {
    /// Registers a device with credentials and returns the simulator's view of it.
    func register(
        _ guid: String, mpsUser: String = "mpsuser", mpsPassword: String = "Sim-Passw0rd!",
        amtPassword: String = "AMT-Passw0rd!"
    ) async throws -> SimulatedDevice {
        try await self.registerDevice(guid, mpsUser: mpsUser, mpsPassword: mpsPassword, amtPassword: amtPassword)
        return SimulatedDevice(
            guid: guid, mpsUsername: mpsUser, mpsPassword: mpsPassword, amtUsername: "admin",
            amtPassword: amtPassword, hostname: "host-\(guid.prefix(8))")
    }

    func fleet(_ devices: [SimulatedDevice]) -> SimulatedFleet {
        let fleet = SimulatedFleet(
            devices: devices, mpsHost: "127.0.0.1", mpsPort: self.server.ciraPort,
            group: self.server.group, logger: Self.logger())
        fleet.start()
        return fleet
    }

}
