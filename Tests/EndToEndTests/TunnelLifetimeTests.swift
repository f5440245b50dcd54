import Foundation
import Glibc
import Simulator
import Testing

@testable import Tunnel

/// Every tunnel's connection object is freed once its connection closes, whatever the way
/// it ended: a device that stopped, one refused for its password, and a client that never
/// finished the TLS handshake. (A tunnel and the link async code holds to it reference each
/// other while it is open; the close must break that.)
@Suite(.serialized) struct TunnelLifetimeTests {
    @Test func closedTunnelsAreFreed() async throws {
        let t = try await TestServer.start()
        defer { t.cleanup() }
        let good = ["f1000001-2222-4333-8444-555555555555", "f1000002-2222-4333-8444-555555555555"]
        var devices = [try await t.register(good[0]), try await t.register(good[1])]
        var refused = try await t.register("f1000003-2222-4333-8444-555555555555")
        refused.mpsPassword = "Wrong-Passw0rd!"
        refused.reconnectDelaySeconds = 30
        devices.append(refused)
        let fleet = t.fleet(devices)
        #expect(await t.reachable(fleet, good[0], good[1]))
        let handle = try #require(fleet.device(refused.guid))
        #expect(await eventually { handle.authFailures >= 1 })
        // A plain TCP client that sends bytes that are not TLS, then hangs up.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(t.server.ciraPort).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        _ = "GET / HTTP/1.0\r\n\r\n".withCString { write(fd, $0, 18) }
        close(fd)
        #expect(t.server.tunnels.connectionObjects.load(ordering: .relaxed) >= 2)
        await fleet.stop()
        #expect(await eventually { t.server.tunnels.connectionObjects.load(ordering: .relaxed) == 0 })
        await t.stop()
    }
}
