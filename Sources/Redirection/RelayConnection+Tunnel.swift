// Redirection: opening a relay through the CIRA tunnel manager (apf.md §6.1; B47).
public import Logging
public import Store
public import Tunnel

extension RelayConnection {
    /// Opens the device's redirection channel: the clear port 16994, which is what CIRA
    /// devices forward. If only 16995 is forwarded (TLS enforced on the device), throws
    /// `.tlsRequired` at once instead of showing a blank session (B47).
    ///
    /// TODO(#5): run a TLS client inside the channel to support TLS-only devices on 16995.
    /// - Throws: `.tlsRequired`, `.noRedirectionPort`, or `.channelUnavailable`.
    /// - Parameter window: the channel's receive window; it is returned to the device only as
    ///   the relay reads, so at most this much device data waits in the server.
    public static func openChannel(
        tunnel: TunnelManager,
        guid: String,
        window: UInt32 = RelayConfiguration().channelWindow
    ) async throws(RelayEndReason) -> TunnelChannel {
        do {
            return try await tunnel.openChannel(
                guid: guid, port: RedirectionPort.plain, consumerWindow: window)
        } catch TunnelError.portNotForwarded {
            // Fall through and probe the TLS port, to give the right reason.
        } catch let error as TunnelError {
            throw .channelUnavailable(error)
        } catch {
            throw .channelUnavailable(.closed)
        }
        do {
            let probe = try await tunnel.openChannel(guid: guid, port: RedirectionPort.tls)
            probe.close()
            throw RelayEndReason.tlsRequired
        } catch let reason as RelayEndReason {
            throw reason
        } catch TunnelError.portNotForwarded {
            throw .noRedirectionPort
        } catch TunnelError.openFailed {
            // Forwarded but refused in clear (as the simulator does): still TLS-only.
            throw .tlsRequired
        } catch let error as TunnelError {
            throw .channelUnavailable(error)
        } catch {
            throw .channelUnavailable(.closed)
        }
    }

    /// Everything between an accepted relay WebSocket and a running relay: checks the
    /// credentials, opens the channel and runs the handshake. On any failure the browser gets
    /// the close code, `session` is finished, and the reason is thrown.
    public static func connect(
        tunnel: TunnelManager,
        guid: String,
        mode: RedirectionMode,
        credentials: AMTCredentials?,
        sink: any RelayBrowserSink,
        session: RelaySession,
        configuration: RelayConfiguration = RelayConfiguration(),
        logger: Logger
    ) async throws(RelayEndReason) -> RelayConnection {
        func fail(_ reason: RelayEndReason) -> RelayEndReason {
            if let code = reason.closeCode {
                sink.close(code: code.rawValue, reason: Self.closeReason(reason))
            }
            session.finish(reason: reason.description)
            return reason
        }
        guard let credentials else { throw fail(.noCredentials) }
        let channel: TunnelChannel
        do {
            channel = try await Self.openChannel(
                tunnel: tunnel, guid: guid, window: configuration.channelWindow)
        } catch {
            throw fail(error)
        }
        return try await Self.start(
            channel: channel,
            mode: mode,
            credentials: credentials,
            sink: sink,
            session: session,
            configuration: configuration,
            tunnelIsUp: { tunnel.isConnected(guid) },
            logger: logger
        )
    }
}
