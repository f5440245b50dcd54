import Foundation
import Synchronization
import Testing

@testable import Auth

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal prompt, driven through a pseudo-terminal we open ourselves.
@Suite(.serialized) struct PasswordPromptTests {
    /// On a terminal the password is asked twice with echo off, then echo comes back.
    @Test func promptsTwiceWithoutEcho() throws {
        let (result, transcript, echoAfter) = try self.converse(["Pass-word-1", "Pass-word-1"])
        #expect(result == .success("Pass-word-1"))
        #expect(
            transcript.contains("Password for ops: ")
                && transcript.contains("Repeat the password: ")
        )
        #expect(!transcript.contains("Pass-word"), "\(transcript)")
        #expect(echoAfter)
    }

    /// Two different entries are refused.
    @Test func refusesDifferentEntries() throws {
        let (result, transcript, echoAfter) = try self.converse(["Pass-word-1", "Pass-word-2"])
        #expect(result == .failure(.passwordInput("the two entries differ")))
        #expect(!transcript.contains("Pass-word") && echoAfter)
    }

    /// A signal during the prompt puts echo back before it takes effect. The test's own
    /// handler stands in for the default action (which would end the test process): the
    /// prompt's handler restores the terminal, hands the signal on to it, and the prompt then
    /// finishes normally.
    @Test func signalDuringThePromptRestoresEcho() throws {
        let seen: @convention(c) (Int32) -> Void = { _ in
            PasswordPromptTests.signalled.store(true, ordering: .relaxed)
        }
        _ = signal(SIGINT, seen)
        defer { _ = signal(SIGINT, SIG_DFL) }
        let (result, _, echoAfter) = try self.converse(
            ["Pass-word-1", "Pass-word-1"],
            beforeFirstAnswer: { slave in
                var settings = termios()
                #expect(tcgetattr(slave, &settings) == 0 && settings.c_lflag & tcflag_t(ECHO) == 0)
                // Test threads block signals: the process-directed signal reaches a thread that
                // does not, soon after. Wait for the test's handler, at most 5 s.
                _ = kill(getpid(), SIGINT)
                let deadline = ContinuousClock.now + .seconds(5)
                while !Self.signalled.load(ordering: .relaxed) && ContinuousClock.now < deadline {
                    usleep(2000)
                }
                let handedOn = Self.signalled.load(ordering: .relaxed)
                #expect(handedOn)
                #expect(tcgetattr(slave, &settings) == 0 && settings.c_lflag & tcflag_t(ECHO) != 0)
            })
        #expect(result == .success("Pass-word-1") && echoAfter)
    }

    static let signalled = Atomic<Bool>(false)

    /// Runs the prompt on the slave side of a new pty and answers each prompt from the master
    /// side. Every wait is bounded; closing the master ends a stuck reader with an error.
    private func converse(
        _ answers: [String], beforeFirstAnswer: (Int32) -> Void = { _ in }
    ) throws -> (Result<String, AuthError>?, String, Bool) {
        // posix_openpt and friends are not in the Glibc module; these ioctls are what they do.
        // TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, unsigned int) in the
        // generic Linux ioctl encoding (x86-64 and arm64); the macros do not import.
        let setLock: UInt = 0x4004_5431
        let getNumber: UInt = 0x8004_5430
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(master >= 0)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        try #require(ioctl(master, setLock, &unlock) == 0)
        try #require(ioctl(master, getNumber, &number) == 0)
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        try #require(slave >= 0)
        let outcome = Mutex<Result<String, AuthError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            do throws(AuthError) {
                let value = try PasswordSource.fileDescriptor(slave).read(
                    prompt: "Password for ops: "
                )
                outcome.withLock { $0 = .success(value) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        reader.start()
        var transcript = ""
        for (answer, prompt) in zip(answers, ["Password for ops: ", "Repeat the password: "]) {
            transcript += Self.read(master, until: prompt, from: transcript)
            if prompt == "Password for ops: " { beforeFirstAnswer(slave) }
            let line = Array((answer + "\n").utf8)
            _ = line.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        }
        let finished = done.wait(timeout: .now() + 10) == .success
        transcript += Self.read(master, until: nil, from: transcript)
        var settings = termios()
        let echo = tcgetattr(slave, &settings) == 0 && settings.c_lflag & tcflag_t(ECHO) != 0
        close(master)
        if !finished { _ = done.wait(timeout: .now() + 5) }
        close(slave)
        #expect(finished)
        return (outcome.withLock { $0 }, transcript, echo)
    }

    /// What the master receives until `marker` appears after `previous` (or, for nil, whatever
    /// arrives within a short pause), for at most 10 s.
    private static func read(_ fd: Int32, until marker: String?, from previous: String) -> String {
        var text = ""
        let deadline = Date() + 10
        while Date() < deadline {
            if let marker,
                (previous + text).components(separatedBy: marker).count
                    > previous.components(separatedBy: marker).count
            {
                break
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, marker == nil ? 100 : 50) > 0 else {
                if marker == nil { break }
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 256) }
            guard count > 0 else { break }
            text += String(decoding: buffer.prefix(count), as: UTF8.self)
        }
        return text
    }
}
