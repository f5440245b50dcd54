import Auth
import Testing

@Suite struct PasswordRuleTests {
    /// Each rule has its own message; acceptable passwords pass.
    @Test(arguments: [
        ("Ab1!", "password rejected: must be at least 8 characters"),
        ("Abcdef1", "password rejected: must be at least 8 characters"),
        ("abcdefg1!", "password rejected: needs an uppercase letter"),
        ("ABCDEFG1!", "password rejected: needs a lowercase letter"),
        ("Abcdefgh!", "password rejected: needs a digit"),
        ("Abcdefgh1", "password rejected: needs a symbol (punctuation or another non-letter)"),
        ("Abc def 12", "password rejected: needs a symbol (punctuation or another non-letter)"),
        (" Abcdef1!", "password rejected: must not start or end with whitespace"),
        ("Abcdef1! ", "password rejected: must not start or end with whitespace"),
        ("Abc\u{0}def1!", "password rejected: must not contain control characters"),
        ("Abc\ndef1!", "password rejected: must not contain control characters"),
        (
            "A" + String(repeating: "b1!", count: 43),
            "password rejected: must be at most 128 characters"
        ),
    ])
    func rejectsWeakPasswords(password: String, message: String) {
        #expect(throws: AuthError.self) { try PasswordRule.check(password) }
        do {
            try PasswordRule.check(password)
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains(password))
        }
    }

    /// Passwords with every class, including non-ASCII letters and exactly the limits, pass.
    @Test(arguments: [
        "Abcdef1!", "Correct-Horse-7", "Ünïcödé-pässwörd-9", "A b c d 1 ;",
        "A" + String(repeating: "b", count: 124) + "1!x",
    ])
    func acceptsStrongPasswords(password: String) throws {
        try PasswordRule.check(password)
        #expect(PasswordRule.isAcceptable(password))
    }

    /// Names: 1–64 of [A-Za-z0-9._@-]; anything else is refused with a reason.
    @Test func userNames() {
        for good in ["a", "admin", "ops.team_1@example-corp", String(repeating: "x", count: 64)] {
            #expect(UserName.isValid(good), "\(good)")
        }
        for bad in [
            "", String(repeating: "x", count: 65), "a b", "naïve", "a/b", "a:b", "x\n", "<script>",
        ] {
            #expect(!UserName.isValid(bad), "\(bad)")
        }
        #expect(throws: AuthError.invalidName("only letters, digits and . _ @ - are allowed")) {
            try UserName.validate("a b")
        }
        #expect(UserName.loggable("Hunter2 secret") == "<invalid name, 14 bytes>")
        #expect(UserName.loggable("admin") == "admin")
    }
}
