import Testing

@testable import APF

/// The inline list of forwarded ports keeps order and uniqueness rules to the caller, holds
/// AMT's seven ports (and one more) inline, and moves to an array for a ninth port or a port
/// above 65,535 without losing or reordering any.
@Suite struct ForwardedPortsTests {
    @Test func keepsOrderInlineAndSpilled() {
        var ports = ForwardedPorts()
        #expect(ports.count == 0 && ports.array.isEmpty && !ports.contains(0))
        let amt: [UInt32] = [16993, 16992, 664, 623, 16995, 16994, 5900, 65535]
        for p in amt { ports.append(p) }
        #expect(ports.array == amt)
        #expect(ports.count == 8)
        #expect(amt.allSatisfy(ports.contains) && !ports.contains(80))
        ports.append(9)  // a ninth
        #expect(ports.array == amt + [9])
        ports.remove(664)
        #expect(ports.array == [16993, 16992, 623, 16995, 16994, 5900, 65535, 9])
        #expect(!ports.contains(664) && ports.count == 8)

        var big = ForwardedPorts()
        big.append(16992)
        big.append(70000)  // above 16 bits
        big.append(0)
        #expect(big.array == [16992, 70000, 0])
        #expect(big.contains(70000) && big.contains(0))
        big.remove(16992)
        #expect(big.array == [70000, 0])
        #expect(big == { var p = ForwardedPorts(); p.append(70000); p.append(0); return p }())
    }
}
