// The device-side session used by the simulator (spec §9).

import APF
import Testing

@Suite struct CIRADeviceSessionTests {
    let t0 = ContinuousClock.now

    func device(_ edit: (inout CIRADeviceConfiguration) -> Void = { _ in }) throws
        -> CIRADeviceSession
    {
        var config = CIRADeviceConfiguration(
            uuid: testUUID,
            username: "admin",
            password: "P@ssw0rd"
        )
        edit(&config)
        return try CIRADeviceSession(configuration: config)
    }

    /// Drives a device to `.ready` through the §9 script.
    func readyDevice(
        _ edit: (inout CIRADeviceConfiguration) -> Void = { _ in }
    ) throws -> CIRADeviceSession {
        var d = try self.device(edit)
        _ = d.start(now: self.t0)
        _ = d.received(.serviceAccept(APFConstants.authService), now: self.t0)
        _ = d.received(.userAuthSuccess, now: self.t0)
        _ = d.received(.serviceAccept(APFConstants.portForwardingService), now: self.t0)
        for port in d.configuration.forwardedPorts {
            _ = d.received(.requestSuccess(port: port), now: self.t0)
        }
        precondition(d.state == .ready)
        return d
    }

    /// The script's messages, byte-exact against V1, V2, V4, V15 and V7-style forwards.
    @Test func followsTheScript() throws {
        var d = try self.device { $0.forwardedPorts = [16992, 5900] }
        let start = d.start(now: self.t0)
        #expect(
            start == [
                .send(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID)),
                .send(.serviceRequest(APFConstants.authService)),
            ]
        )
        #expect(
            start.map { if case .send(let m) = $0 { m.encode() } else { [] } }
                == [vectorBytes("V1"), vectorBytes("V2")]
        )
        let auth = d.received(.serviceAccept(APFConstants.authService), now: self.t0)
        #expect(auth == [.send(authRequest)])
        #expect(
            d.received(.userAuthSuccess, now: self.t0)
                == [.send(.serviceRequest(APFConstants.portForwardingService))]
        )
        #expect(
            d.received(.serviceAccept(APFConstants.portForwardingService), now: self.t0)
                == [.send(forward(16992))]
        )
        #expect(d.received(.requestSuccess(port: 16992), now: self.t0) == [.send(forward(5900))])
        #expect(d.received(.requestSuccess(port: 5900), now: self.t0) == [.tunnelReady])
        #expect(d.acceptedPorts == [16992, 5900])
    }

    /// The options request is answered and adopted; keep-alives follow the new interval.
    @Test func adoptsKeepAliveOptions() throws {
        var d = try self.readyDevice {
            $0.keepAliveInterval = 90; $0.firstKeepAliveCookie = 7
        }
        #expect(d.nextDeadline == self.t0 + .seconds(90))
        #expect(
            d.received(
                .keepAliveOptionsRequest(interval: 30, timeout: 0),
                now: self.t0 + .seconds(1)
            )
                == [.send(.keepAliveOptionsReply(interval: 30, timeout: 0))]
        )
        #expect(d.tick(now: self.t0 + .seconds(30)) == [])
        #expect(d.tick(now: self.t0 + .seconds(31)) == [.send(.keepAliveRequest(cookie: 7))])
        #expect(d.tick(now: self.t0 + .seconds(61)) == [.send(.keepAliveRequest(cookie: 8))])
        #expect(
            d.received(.keepAliveRequest(cookie: 3), now: self.t0) == [
                .send(.keepAliveReply(cookie: 3))
            ]
        )
    }

    /// A device configured like B01's firmware ignores the options request.
    @Test func canIgnoreKeepAliveOptions() throws {
        var d = try self.readyDevice {
            $0.keepAliveInterval = 90; $0.adoptsKeepAliveOptions = false
        }
        #expect(d.received(.keepAliveOptionsRequest(interval: 30, timeout: 0), now: self.t0) == [])
        #expect(d.keepAliveInterval == 90)
    }

    /// Opens: served port confirmed with the configured window; otherwise reasons 3, 2, 4.
    @Test func answersChannelOpens() throws {
        var d = try self.readyDevice {
            $0.receiveWindow = 512; $0.maxChannels = 2
        }
        func open(_ sender: UInt32, port: UInt32, type: String = "forwarded-tcpip") -> APFMessage {
            .channelOpen(
                type: type,
                senderChannel: sender,
                initialWindow: 32768,
                connectedAddress: "",
                connectedPort: port,
                originatorAddress: "1.2.3.4",
                originatorPort: 1024
            )
        }
        #expect(
            d.received(open(4, port: 16992), now: self.t0)
                == [
                    .send(.channelOpenConfirmation(recipient: 4, sender: 0, initialWindow: 512)),
                    .channelOpened(ChannelID(0), port: 16992),
                ]
        )
        #expect(
            d.received(open(5, port: 16992, type: "x11"), now: self.t0)
                == [.send(.channelOpenFailure(recipient: 5, reason: .unknownChannelType))]
        )
        #expect(
            d.received(open(6, port: 80), now: self.t0)
                == [.send(.channelOpenFailure(recipient: 6, reason: .connectFailed))]
        )
        _ = d.received(open(7, port: 16994), now: self.t0)
        #expect(
            d.received(open(8, port: 16992), now: self.t0)
                == [.send(.channelOpenFailure(recipient: 8, reason: .resourceShortage))]
        )
        // The MPS closes channel 0; the device answers once and reuses id 0 at once.
        #expect(
            d.received(.channelClose(recipient: 0), now: self.t0)
                == [.send(.channelClose(recipient: 4)), .channelClosed(ChannelID(0))]
        )
        #expect(
            d.received(open(9, port: 16992), now: self.t0).last
                == .channelOpened(ChannelID(0), port: 16992)
        )
    }

    /// The device never sends beyond the MPS's credit and drops an MPS that overruns it.
    @Test func keepsStrictWindows() throws {
        var d = try self.readyDevice { $0.receiveWindow = 512 }
        _ = d.received(
            .channelOpen(
                type: "forwarded-tcpip",
                senderChannel: 4,
                initialWindow: 100,
                connectedAddress: "",
                connectedPort: 16992,
                originatorAddress: "1.2.3.4",
                originatorPort: 1024
            ),
            now: self.t0
        )
        let reply = [UInt8](repeating: 9, count: 150)
        #expect(
            try d.send(reply, on: ChannelID(0))
                == [.send(.channelData(recipient: 4, data: Array(reply[0..<100])))]
        )
        #expect(
            d.received(.windowAdjust(recipient: 0, bytes: 50), now: self.t0)
                == [
                    .send(.channelData(recipient: 4, data: Array(reply[100...]))),
                    .channelWritable(ChannelID(0)),
                ]
        )
        #expect(
            d.received(
                .channelData(recipient: 0, data: [UInt8](repeating: 1, count: 256)),
                now: self.t0
            ).count == 1
        )
        #expect(
            d.received(.channelData(recipient: 0, data: [1]), now: self.t0)
                == [
                    .channelData(ChannelID(0), [1]), .send(.windowAdjust(recipient: 4, bytes: 257)),
                ]
        )
        let overrun = d.received(
            .channelData(recipient: 0, data: [UInt8](repeating: 1, count: 513)),
            now: self.t0
        )
        #expect(overrun.first == .send(.disconnect(reason: .protocolError)))
        #expect(overrun.last == .close(reason: "MPS overran the channel window"))
    }

    /// Server failures surface as actions: USERAUTH_FAILURE, DISCONNECT, unexpected messages.
    @Test func reportsServerFailures() throws {
        var a = try self.device()
        _ = a.start(now: self.t0)
        _ = a.received(.serviceAccept(APFConstants.authService), now: self.t0)
        #expect(
            a.received(.userAuthFailure, now: self.t0)
                == [.authenticationFailed, .close(reason: "authentication failed")]
        )

        var b = try self.readyDevice()
        #expect(
            b.received(.disconnect(reason: .hostNotAllowedToConnect), now: self.t0)
                == [
                    .disconnected(.hostNotAllowedToConnect),
                    .close(reason: "MPS sent DISCONNECT(1)"),
                ]
        )

        var c = try self.device()
        _ = c.start(now: self.t0)
        #expect(
            c.received(.userAuthSuccess, now: self.t0).first
                == .send(.disconnect(reason: .protocolError))
        )
    }

    /// A malformed UUID is refused when the session is created.
    @Test func rejectsInvalidUUID() {
        #expect(throws: CIRADeviceError.invalidUUID) {
            _ = try CIRADeviceSession(
                configuration: CIRADeviceConfiguration(uuid: "nope", username: "a", password: "b")
            )
        }
    }
}
