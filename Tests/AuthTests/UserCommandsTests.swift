import Auth
import Foundation
import PasswordHash
import Store
import Testing

@Suite struct UserCommandsTests {
    let database: Database
    let commands: UserCommands

    init() throws {
        self.database = try makeDatabase()
        self.commands = UserCommands(
            users: UserStore(database: self.database, hashing: HashingPool(threads: 2)),
            sessions: SessionStore(database: self.database)
        )
    }

    /// Writes `text` into a pipe and returns its read end, as a non-terminal standard input.
    func pipe(_ text: String) throws -> FileHandle {
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data(text.utf8))
        try pipe.fileHandleForWriting.close()
        return pipe.fileHandleForReading
    }

    /// `mps user add` reads the first line of a non-terminal input and enforces the rule.
    @Test func addFromPipe() async throws {
        let input = try self.pipe(strongPassword + "\r\nignored second line\n")
        let user = try await self.commands.add(
            name: "ops",
            passwordSource: .fileDescriptor(input.fileDescriptor)
        )
        #expect(user.name == "ops")
        #expect(await self.commands.users.verify(name: "ops", password: strongPassword) != nil)
        let weak = try self.pipe("password\n")
        await #expect(throws: AuthError.weakPassword("needs an uppercase letter")) {
            try await self.commands.add(
                name: "weak",
                passwordSource: .fileDescriptor(weak.fileDescriptor)
            )
        }
        await #expect(throws: AuthError.duplicateName) {
            try await self.commands.add(name: "OPS", passwordSource: .value(strongPassword))
        }
        #expect(try await self.commands.list().map(\.name) == ["ops"])
    }

    /// Empty, over-long and non-UTF-8 input is refused with a reason.
    @Test func badInput() async throws {
        let cases: [(Data, String)] = [
            (Data(), "no password given"), (Data("\n".utf8), "no password given"),
            (Data(repeating: UInt8(ascii: "a"), count: 5000), "input is too long"),
            (
                Data([0x41, 0xff, 0x31, 0x21, 0x61, 0x62, 0x63, 0x64]),
                "the password is not valid UTF-8"
            ),
        ]
        for (bytes, reason) in cases {
            let pipe = Pipe()
            pipe.fileHandleForWriting.write(bytes)
            try pipe.fileHandleForWriting.close()
            await #expect(throws: AuthError.passwordInput(reason)) {
                try await self.commands.add(
                    name: "ops",
                    passwordSource: .fileDescriptor(pipe.fileHandleForReading.fileDescriptor)
                )
            }
        }
        #expect("\(PasswordSource.value(strongPassword))" == "PasswordSource(<redacted>)")
    }

    /// passwd changes the password and ends the user's sessions; remove deletes the user.
    @Test func passwdAndRemove() async throws {
        let user = try await self.commands.add(name: "ops", passwordSource: .value(strongPassword))
        let session = try await self.commands.sessions.create(
            userID: user.id,
            client: ClientInfo(address: "127.0.0.1"),
            now: Date()
        )
        #expect(
            try await self.commands.passwd(name: "ops", passwordSource: .value("Another-Pass-3"))
                == 1
        )
        #expect(await self.commands.sessions.validate(token: session.token, now: Date()) == nil)
        #expect(await self.commands.users.verify(name: "ops", password: "Another-Pass-3") != nil)
        await #expect(throws: AuthError.userNotFound) {
            try await self.commands.passwd(name: "ghost", passwordSource: .value("Another-Pass-3"))
        }
        #expect(try await self.commands.remove(name: "ops").id == user.id)
        #expect(try await self.commands.list().isEmpty)
    }
}
