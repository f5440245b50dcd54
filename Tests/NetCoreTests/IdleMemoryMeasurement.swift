import Crypto
import Foundation
import NetCore
import Testing

/// A by-hand measurement, not part of the suite (it needs python3 and takes ~10 s):
///   NETCORE_MEASURE=1.2 swift test --filter IdleMemoryMeasurement   (or =1.3, =plain; one per process,
///   since memory freed by an earlier run would be reused and hide the growth)
/// A python3 child process opens 1 TLS connection, then 4,999 more, to an in-process
/// listener (no SNI, like AMT) and holds them idle; this process's VmRSS growth divided by
/// 4,999 is the server's memory per idle TLS connection (NetCore + OpenSSL).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["NETCORE_MEASURE"] != nil))
struct IdleMemoryMeasurement {
    /// Holds nothing: the cost measured is NetCore's and OpenSSL's, not a protocol's.
    final class IdleHandler: ConnectionHandler {
        let events: Events
        init(_ events: Events) { self.events = events }
        func connectionActive(_ connection: Connection) { self.events.update { $0.active += 1 } }
        func connectionRead(_ connection: Connection, _ bytes: [UInt8]) { connection.write(bytes) }
        func connectionClosed(_ connection: Connection, error: (any Error)?) {
            self.events.update { $0.closed += 1 }
        }
    }

    static let client = """
        import socket, ssl, sys
        port, count, version = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
        held = []
        def connect(n):
            for _ in range(n):
                raw = socket.create_connection(("127.0.0.1", port), timeout=10)
                raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s = raw if version == "plain" else ctx.wrap_socket(raw)
                s.sendall(b"0123456789abcdef"); s.recv(16)  # one keep-alive, echoed
                held.append(s)
        connect(1); print("one", flush=True); sys.stdin.readline()
        connect(count - 1); print("all", flush=True); sys.stdin.readline()
        for s in held: s.close()
        """

    static func rssBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kib = try #require(Int(line.split(separator: " ").dropFirst().first ?? ""))
        return kib * 1024
    }

    @Test func bytesPerIdleTLSConnection() async throws {
        let mode = ProcessInfo.processInfo.environment["NETCORE_MEASURE"] ?? ""
        let version = ["1.3", "plain"].contains(mode) ? mode : "1.2"
        let count = 5_000
        try await withGroup { group in
            let events = Events()
            let listener = try Listener.bind(
                host: "127.0.0.1",
                port: 0,
                tls: version == "plain" ? nil : try TestTLS.rsaServer(),
                group: group
            ) { _ in IdleHandler(events) }
            defer { listener.close() }

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", Self.client, "\(listener.port)", "\(count)", version]
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            defer { process.terminate() }
            let lines = output.fileHandleForReading

            func waitFor(_ word: String) throws {
                var seen = ""
                while !seen.contains(word) {
                    let data = lines.availableData
                    if data.isEmpty { throw TimedOut(what: word) }
                    seen += String(decoding: data, as: UTF8.self)
                }
            }
            try waitFor("one")
            try await eventually("first connection") { events.active == 1 }
            try await Task.sleep(for: .milliseconds(500))
            let before = try Self.rssBytes()
            input.fileHandleForWriting.write(Data("go\n".utf8))
            try waitFor("all")
            try await eventually("all connections", timeout: .seconds(120)) { events.active == count }
            try await Task.sleep(for: .milliseconds(500))
            let after = try Self.rssBytes()
            let perConnection = (after - before) / (count - 1)
            print(
                "TLS \(version): VmRSS \(before) -> \(after) bytes: "
                    + "\(perConnection) bytes per idle connection"
            )
            #expect(perConnection < 14 * 1024 + 2048)
            input.fileHandleForWriting.write(Data("done\n".utf8))
            try await eventually("closed", timeout: .seconds(60)) { events.closed == count }
        }
    }
}
