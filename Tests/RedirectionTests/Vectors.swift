// The redirection.md appendix vectors used by several suites.
import Store

enum Vectors {
    static let credentials = AMTCredentials(username: "admin", password: "P@ssw0rd")
    static let realm = "Digest:A3829B3827DE4D33D4449B366831FD01"
    static let nonce = "Ch8YoYnLl0wAAAAAAAAAAAjTsW2H7Yf5"

    static let startSOL = hexBytes("10 00 00 00 53 4F 4C 20")
    static let startKVM = hexBytes("10 01 00 00 4B 56 4D 52")
    static let startIDER = hexBytes("10 00 00 00 49 44 45 52")
    static let startReply = hexBytes("11 00 00 00 01 00 0F 00 57 01 00 00 00")
    static let startBusy = hexBytes("11 02 00 00 01 00 0F 00 57 01 00 00 00")
    static let authQuery = hexBytes("13 00 00 00 00 00 00 00 00")
    static let digestOnly = hexBytes("14 00 00 00 00 01 00 00 00 04")
    static let basicBadDigestDigest = hexBytes("14 00 00 00 00 03 00 00 00 01 03 04")
    static let challengeRequest = hexBytes(
        """
        13 00 00 00 04 20 00 00 00
        05 61 64 6D 69 6E
        00 00
        13 2F 52 65 64 69 72 65 63 74 69 6F 6E 53 65 72 76 69 63 65
        00 00 00 00
        """
    )
    static let challenge = hexBytes(
        """
        14 01 00 00 04 4E 00 00 00
        27 44 69 67 65 73 74 3A 41 33 38 32 39 42 33 38 32 37 44 45 34 44 33 33 44 34 34 34 39 42
        33 36 36 38 33 31 46 44 30 31
        20 43 68 38 59 6F 59 6E 4C 6C 30 77 41 41 41 41 41 41 41 41 41 41 41 6A 54 73 57 32 48 37
        59 66 35
        04 61 75 74 68
        """
    )
    static let digestAnswer = hexBytes(
        """
        13 00 00 00 04 9D 00 00 00
        05 61 64 6D 69 6E
        27 44 69 67 65 73 74 3A 41 33 38 32 39 42 33 38 32 37 44 45 34 44 33 33 44 34 34 34 39 42
        33 36 36 38 33 31 46 44 30 31
        20 43 68 38 59 6F 59 6E 4C 6C 30 77 41 41 41 41 41 41 41 41 41 41 41 6A 54 73 57 32 48 37
        59 66 35
        13 2F 52 65 64 69 72 65 63 74 69 6F 6E 53 65 72 76 69 63 65
        0A 61 31 62 32 63 33 64 34 65 35
        08 30 30 30 30 30 30 30 31
        20 39 63 64 33 66 33 33 33 66 61 36 65 38 64 37 61 64 39 33 64 31 62 36 36 63 66 66 37 30
        62 66 38
        04 61 75 74 68
        """
    )
    static let authSuccess = hexBytes("14 00 00 00 04 00 00 00 00")
    static let authFailure = hexBytes("14 01 00 00 04 00 00 00 00")

    static let startSOLRedirection = hexBytes(
        "20 00 00 00 01 00 00 00 10 27 64 00 00 00 10 27 64 00 00 00 00 00 00 00"
    )
    static let startSOLReply = hexBytes(
        "21 00 00 00 01 00 00 00 10 27 10 27 64 00 00 00 10 27 64 00 00 00 00"
    )
}
