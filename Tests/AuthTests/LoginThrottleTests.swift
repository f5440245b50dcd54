import Foundation
import Testing

@testable import Auth

@Suite struct LoginThrottleTests {
    /// Three free failures, then 1 s, doubling to 60 s; waits count down with the clock.
    @Test func growingDelays() {
        var throttle = LoginThrottle()
        var now = epoch
        var waits: [Duration?] = []
        for _ in 0..<10 {
            #expect(throttle.check(address: "192.0.2.1", user: "ops", now: now) == nil)
            throttle.recordFailure(address: "192.0.2.1", user: "ops", now: now)
            waits.append(throttle.check(address: "192.0.2.1", user: "ops", now: now))
            now += 61  // past any delay, well inside the quiet reset
        }
        #expect(
            waits == [
                nil, nil, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16),
                .seconds(32), .seconds(60), .seconds(60),
            ]
        )
        let last = now - 61
        #expect(throttle.check(address: "192.0.2.1", user: "ops", now: last + 20) == .seconds(40))
        #expect(
            throttle.check(address: "192.0.2.1", user: "ops", now: last + 59.9995)
                == .milliseconds(1)
        )
        #expect(throttle.check(address: "192.0.2.1", user: "ops", now: last + 60) == nil)
    }

    /// The user key throttles across addresses (case-insensitively); the address key across names.
    @Test func perUserAndPerAddress() {
        var throttle = LoginThrottle()
        for index in 0..<3 {
            throttle.recordFailure(address: "10.0.0.\(index)", user: "Ops", now: epoch)
        }
        #expect(throttle.check(address: "10.0.0.99", user: "ops", now: epoch) == .seconds(1))
        #expect(throttle.check(address: "10.0.0.99", user: "other", now: epoch) == nil)
        for name in ["a", "b", "c"] {
            throttle.recordFailure(address: "198.51.100.9", user: name, now: epoch)
        }
        #expect(throttle.check(address: "198.51.100.9", user: "fresh", now: epoch) == .seconds(1))
        #expect(throttle.check(address: "198.51.100.10", user: "fresh", now: epoch) == nil)
    }

    /// Success clears the user's count; 15 quiet minutes clear everything. The address keeps
    /// its count after a success, so logging in to one's own account does not reset it.
    @Test func resets() {
        var throttle = LoginThrottle()
        for _ in 0..<4 { throttle.recordFailure(address: "192.0.2.1", user: "ops", now: epoch) }
        throttle.recordSuccess(address: "192.0.2.1", user: "ops")
        #expect(throttle.check(address: "192.0.2.2", user: "ops", now: epoch) == nil)
        #expect(throttle.check(address: "192.0.2.1", user: "ops", now: epoch) == .seconds(2))
        #expect(throttle.check(address: "192.0.2.1", user: "ops", now: epoch + 15 * 60) == nil)
        throttle.recordFailure(address: "192.0.2.1", user: "x", now: epoch + 15 * 60)
        #expect(throttle.addresses[LoginThrottle.addressKey("192.0.2.1")]?.failures == 1)
    }

    /// attempt counts before the slow check, so parallel guesses are refused; confirmSuccess
    /// takes the provisional count back, so successful logins never throttle.
    @Test func attemptsAreCountedUpFront() {
        var throttle = LoginThrottle()
        let allowed = (0..<10).map { _ in
            throttle.attempt(address: "192.0.2.1", user: "ops", now: epoch)
        }
        #expect(
            allowed.prefix(3).allSatisfy { $0 == nil }
                && allowed.dropFirst(3).allSatisfy { $0 != nil }
        )
        var fresh = LoginThrottle()
        for minute in 0..<20 {
            let now = epoch + Double(minute) * 10
            #expect(fresh.attempt(address: "192.0.2.1", user: "ci", now: now) == nil)
            fresh.confirmSuccess(address: "192.0.2.1", user: "ci")
        }
        #expect(fresh.addresses.isEmpty && fresh.users.isEmpty)
    }

    /// Each table keeps at most maximumEntries keys, dropping the oldest.
    @Test func boundedMemory() {
        var policy = LoginThrottle.Policy()
        policy.maximumEntries = 100
        var throttle = LoginThrottle(policy: policy)
        for index in 0..<1000 {
            throttle.recordFailure(
                address: "10.0.\(index / 256).\(index % 256)",
                user: "u\(index)",
                now: epoch + Double(index)
            )
        }
        #expect(throttle.addresses.count <= 100 && throttle.users.count <= 100)
        #expect(throttle.users["u999"] != nil && throttle.users["u0"] == nil)
    }

    /// IPv6 addresses group by /64; IPv4-mapped addresses count as IPv4.
    @Test func addressKeys() {
        #expect(
            LoginThrottle.addressKey("2001:db8:1:2:aaaa::1")
                == LoginThrottle.addressKey("2001:db8:1:2::ffff")
        )
        #expect(
            LoginThrottle.addressKey("2001:db8:1:2::1")
                != LoginThrottle.addressKey("2001:db8:1:3::1")
        )
        #expect(LoginThrottle.addressKey("[2001:db8:1:2::1]") == "20010db800010002/64")
        #expect(LoginThrottle.addressKey("::ffff:192.0.2.1") == "192.0.2.1")
        #expect(LoginThrottle.addressKey("192.0.2.1") == "192.0.2.1")
        #expect(LoginThrottle.addressKey("fe80::1%eth0") == "fe80000000000000/64")
        #expect(LoginThrottle.addressKey("not:an:address::zz") == "not:an:address::zz")
    }
}
