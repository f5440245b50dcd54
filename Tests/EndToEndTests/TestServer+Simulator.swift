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

    /// Waits until the devices can be reached: the server has their tunnels and each device
    /// has had all its port forwards accepted. The server lists a device as connected once it
    /// authenticates, a moment before its forwards arrive; on a loaded machine a first AMT
    /// call in that moment finds port 16992 not forwarded yet.
    func reachable(_ fleet: SimulatedFleet, _ guids: String...) async -> Bool {
        await eventually {
            guids.allSatisfy { self.server.tunnels.isConnected($0) && fleet.device($0)?.isConnected == true }
        }
    }

}
