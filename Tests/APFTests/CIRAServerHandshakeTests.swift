// The MPS session's handshake and state enforcement (spec §5.1 [REC], field faults B05, B09).

import APF
import Testing

@Suite struct CIRAServerHandshakeTests {
    /// The golden handshake: allowlist, auth service, credentials, pfwd, forwards, options.
    @Test func completesGoldenHandshake() {
        var h = ServerHarness()
        let pv = APFMessage.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID)
        #expect(h.receive(pv) == [.checkAllowlist(uuid: testUUID)])
        #expect(h.session.isAwaitingLookup)
        // The device sends V2 at once; it is held until the allowlist answers.
        #expect(h.receive(.serviceRequest(APFConstants.authService)) == [])
        #expect(
            h.session.allowlistChecked(known: true, now: h.at(0))
                == [.send(.serviceAccept(APFConstants.authService))]
        )
        #expect(
            h.receive(authRequest)
                == [.verifyCredentials(uuid: testUUID, username: "admin", password: "P@ssw0rd")]
        )
        #expect(h.session.username == nil)
        #expect(
            h.session.credentialsChecked(valid: true, now: h.at(0))
                == [.authenticated(uuid: testUUID), .send(.userAuthSuccess)]
        )
        #expect(h.session.username == "admin")
        #expect(
            h.receive(.serviceRequest(APFConstants.portForwardingService))
                == [.send(.serviceAccept(APFConstants.portForwardingService))]
        )
        for port in amtPorts.dropLast() {
            #expect(h.receive(forward(port)) == [.send(.requestSuccess(port: port))])
        }
        #expect(
            h.receive(forward(5900))
                == [
                    .send(.requestSuccess(port: 5900)),
                    .send(.keepAliveOptionsRequest(interval: 30, timeout: 0)),
                ]
        )
        #expect(h.session.forwardedPorts == amtPorts)
        #expect(h.session.trigger == 4)
        #expect(
            h.receive(.keepAliveRequest(cookie: 77))
                == [.send(.keepAliveReply(cookie: 77)), .keepAliveSeen]
        )
    }

    /// B09: an unlisted device is refused before its credentials are ever looked at.
    @Test func refusesUnknownDeviceBeforeCredentials() {
        var h = ServerHarness()
        let uuid = "22222222-3333-4444-8555-666666666666"
        var actions = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: uuid))
        actions += h.receive(.serviceRequest(APFConstants.authService))
        actions += h.receive(authRequest)
        actions += h.session.allowlistChecked(known: false, now: h.at(0))
        #expect(
            actions
                == [
                    .checkAllowlist(uuid: uuid),
                    .send(.disconnect(reason: .hostNotAllowedToConnect)),
                    .close(reason: "device not allowed"),
                ]
        )
        #expect(h.session.state == .closed)
        #expect(h.session.credentialsChecked(valid: true, now: h.at(0)) == [])
    }

    /// B05: an uppercase UUID is looked up and reported in lowercase.
    @Test func lowercasesUUID() {
        var h = ServerHarness()
        let actions = h.receive(
            .protocolVersion(
                major: 1,
                minor: 0,
                trigger: 4,
                uuid: "AAAA0000-BBBB-4CCC-8DDD-EEEEFFFF0000"
            )
        )
        #expect(actions == [.checkAllowlist(uuid: "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000")])
        #expect(h.session.uuid == "aaaa0000-bbbb-4ccc-8ddd-eeeeffff0000")
    }

    /// Two bad passwords get USERAUTH_FAILURE; the third also gets DISCONNECT(15) and a close.
    @Test func dropsAfterThreeBadPasswords() {
        var h = ServerHarness()
        _ = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID))
        _ = h.session.allowlistChecked(known: true, now: h.at(0))
        _ = h.receive(.serviceRequest(APFConstants.authService))
        for _ in 0..<2 {
            #expect(h.receive(authRequest).count == 1)
            #expect(
                h.session.credentialsChecked(valid: false, now: h.at(0)) == [
                    .send(.userAuthFailure)
                ]
            )
        }
        _ = h.receive(authRequest)
        #expect(
            h.session.credentialsChecked(valid: false, now: h.at(0))
                == [
                    .send(.userAuthFailure), .send(.disconnect(reason: .invalidCredentials)),
                    .close(reason: "too many failed authentication attempts"),
                ]
        )
        #expect(h.receive(authRequest) == [])
    }

    /// A non-password method is answered with USERAUTH_FAILURE and the session continues.
    @Test func answersOtherMethodsWithFailure() {
        var h = ServerHarness()
        _ = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID))
        _ = h.session.allowlistChecked(known: true, now: h.at(0))
        _ = h.receive(.serviceRequest(APFConstants.authService))
        let none = APFMessage.userAuthRequest(
            username: "admin",
            service: APFConstants.portForwardingService,
            method: "none",
            password: nil
        )
        #expect(h.receive(none) == [.send(.userAuthFailure)])
        #expect(h.session.state == .awaitingUserAuth)
        #expect(h.receive(.keepAliveRequest(cookie: 5)) == [.send(.keepAliveReply(cookie: 5))])
    }

    /// Messages held during the credentials lookup are replayed in order after it.
    @Test func holdsMessagesDuringCredentialLookup() {
        var h = ServerHarness()
        _ = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID))
        _ = h.session.allowlistChecked(known: true, now: h.at(0))
        _ = h.receive(.serviceRequest(APFConstants.authService))
        _ = h.receive(authRequest)
        #expect(h.receive(.serviceRequest(APFConstants.portForwardingService)) == [])
        #expect(h.receive(.keepAliveRequest(cookie: 3)) == [])
        #expect(
            h.session.credentialsChecked(valid: true, now: h.at(0))
                == [
                    .authenticated(uuid: testUUID), .send(.userAuthSuccess),
                    .send(.serviceAccept(APFConstants.portForwardingService)),
                    .send(.keepAliveReply(cookie: 3)), .keepAliveSeen,
                ]
        )
    }

    /// A flood of messages during a lookup is a protocol error, not unbounded memory.
    @Test func boundsHeldMessages() {
        var h = ServerHarness()
        _ = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID))
        var actions: [CIRAServerAction] = []
        for i in 0..<17 { actions += h.receive(.keepAliveRequest(cookie: UInt32(i))) }
        #expect(sent(actions) == [.disconnect(reason: .protocolError)])
        #expect(h.session.state == .closed)
    }

    /// State enforcement and failure codes of the §5.1 REC table.
    @Test(arguments: [
        ([APFMessage.serviceRequest(APFConstants.authService)], APFDisconnectReason.protocolError),
        (
            [.protocolVersion(major: 2, minor: 0, trigger: 4, uuid: testUUID)],
            .protocolVersionNotSupported
        ),
        (
            [
                .protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID),
                .serviceRequest("foo@bar"),
            ],
            .serviceNotAvailable
        ),
        (
            [.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID), forward(16992)],
            .protocolError
        ),
        (
            [.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID), authRequest],
            .protocolError
        ),
        (
            [
                .protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID),
                .serviceRequest(APFConstants.portForwardingService),
            ], .protocolError
        ),
        (
            [
                .protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID),
                .channelData(recipient: 4, data: [1]),
            ], .protocolError
        ),
    ])
    func enforcesStates(_ messages: [APFMessage], _ reason: APFDisconnectReason) {
        var h = ServerHarness()
        var actions: [CIRAServerAction] = []
        for message in messages {
            actions += h.receive(message)
            if h.session.state == .checkingAllowlist {
                actions += h.session.allowlistChecked(known: true, now: h.at(0))
            }
        }
        #expect(sent(actions).last == .disconnect(reason: reason))
        #expect(closes(actions))
        #expect(
            actions.contains { if case .verifyCredentials = $0 { true } else { false } } == false
        )
    }

    /// Keep-alives are answered before PROTOCOLVERSION, without counting as last-seen.
    @Test func answersKeepAliveBeforeProtocolVersion() {
        var h = ServerHarness()
        #expect(h.receive(.keepAliveRequest(cookie: 1)) == [.send(.keepAliveReply(cookie: 1))])
        #expect(h.session.state == .awaitingProtocolVersion)
    }

    /// A device DISCONNECT closes without any status action, authenticated or not (§8 #16).
    @Test func closesOnDeviceDisconnect() {
        var h = ServerHarness()
        _ = h.receive(.protocolVersion(major: 1, minor: 0, trigger: 4, uuid: testUUID))
        _ = h.session.allowlistChecked(known: true, now: h.at(0))
        #expect(
            h.receive(.disconnect(reason: .protocolError))
                == [.close(reason: "device sent DISCONNECT(2)")]
        )
    }

    /// Forward bookkeeping: duplicates kept once, cancel answered bare, udp-send-to silent,
    /// device-initiated channels refused with reason 3 (V22).
    @Test func handlesGlobalRequestsAndDeviceOpens() {
        var h = ServerHarness()
        h.authenticate(ports: [16992, 16992, 5900])
        #expect(h.session.forwardedPorts == [16992, 5900])
        #expect(
            h.receive(.globalRequest(.cancelTcpipForward(address: "dev1", port: 5900)))
                == [.send(.requestSuccess(port: nil))]
        )
        #expect(h.session.forwardedPorts == [16992])
        #expect(
            h.receive(
                .globalRequest(
                    .udpSendTo(
                        address: "10.0.0.1",
                        port: 162,
                        originatorAddress: "10.0.0.2",
                        originatorPort: 1234,
                        data: [1]
                    )
                )
            ) == []
        )
        let v22 = APFMessage.channelOpen(
            type: "direct-tcpip",
            senderChannel: 7,
            initialWindow: 4096,
            connectedAddress: "192.168.1.20",
            connectedPort: 8080,
            originatorAddress: "192.168.1.50",
            originatorPort: 1025
        )
        let answer = h.receive(v22)
        #expect(answer == [.send(.channelOpenFailure(recipient: 7, reason: .unknownChannelType))])
        #expect(sent(answer).first?.encode() == hex("5c00000007000000030000000000000000"))
    }

    /// Decoder errors and operator kicks end the session with the §5.1 codes.
    @Test func failsOnDecodingErrorAndKick() {
        var a = ServerHarness()
        #expect(
            a.session.decodingFailed(.unknownMessageType(99))
                == [
                    .send(.disconnect(reason: .protocolError)),
                    .close(reason: "malformed stream: unknown APF message type 99"),
                ]
        )
        var b = ServerHarness()
        b.authenticate()
        #expect(
            sent(b.session.disconnect(reason: .byApplication)) == [
                .disconnect(reason: .byApplication)
            ]
        )
        #expect(b.session.disconnect(reason: .byApplication) == [])
    }

    /// Passwords never reach descriptions of messages or actions.
    @Test func redactsPasswords() {
        let action = CIRAServerAction.verifyCredentials(
            uuid: testUUID,
            username: "admin",
            password: "P@ssw0rd"
        )
        var dumped = ""
        dump(action, to: &dumped)
        dump(authRequest, to: &dumped)
        let texts = [
            "\(action)", String(reflecting: action), "\(authRequest)",
            String(reflecting: authRequest), "\(CIRAServerAction.send(authRequest))",
            "\(CIRADeviceAction.send(authRequest))", dumped,
            "\(CIRADeviceConfiguration(uuid: testUUID, username: "admin", password: "P@ssw0rd"))",
        ]
        for text in texts {
            #expect(!text.contains("P@ssw0rd"), "\(text)")
            #expect(text.contains("admin") || text.contains("USERAUTH"), "\(text)")
        }
    }
}
