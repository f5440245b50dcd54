// Throwaway certificates for NetCore tests only (generated once with the openssl CLI; valid
// until 2126). These keys protect nothing: never use them outside tests.
enum TestCertificates {
    /// subject=CN = mps-test-rsa
    static let rsaCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIDLTCCAhWgAwIBAgIUXr31fyUDj3CfyouqEakQ1uN3ChowDQYJKoZIhvcNAQEL
        BQAwFzEVMBMGA1UEAwwMbXBzLXRlc3QtcnNhMCAXDTI2MTIwNDA4MzczM1oYDzIx
        MjYxMTEwMDgzNzMzWjAXMRUwEwYDVQQDDAxtcHMtdGVzdC1yc2EwggEiMA0GCSqG
        SIb3DQEBAQUAA4IBDwAwggEKAoIBAQDWtrb3derx7BKpSbO74LbEaWCdinj7TONJ
        ZO/hJ6lGvsU8oC9uyNvAW7QjPpC/4EMhYbFzDqyiyuNc8AfC+aJQTIFnslnefn9X
        KwK2wFGmWGpx6ihfdY4g8JzK7wavYcNH55RlIAjCDqJMOQ6eN0W6ayoRcgb8BpjU
        0lLriz5EYdjzq5pRuUDJge7bjielNFsio2KefDDKUTe6hNhY+A4QdxzGNIeIBknu
        yhqJCuvzJnjUax47DDjx3jbMoRnhtCOJ7K3yM6v8W1oMhSqsgxp06ealIOgwWTeT
        xESrQHabLziku5yXWna2CPjIzKMKS3E4Om+4AvVlMnUYMDzqs9rfAgMBAAGjbzBt
        MB0GA1UdDgQWBBQ7A6qwwHWa4NwRIq1afTo7GDBNsjAfBgNVHSMEGDAWgBQ7A6qw
        wHWa4NwRIq1afTo7GDBNsjAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGCCWxv
        Y2FsaG9zdIcEfwAAATANBgkqhkiG9w0BAQsFAAOCAQEAZCRKUfc1N4e7kYThXL8w
        sWWOvAAZbzd0zMrpMzjKefwa5qfdKHzXh/t/1izW4FfPkkk7j+n6O4ywF86W+We4
        +gNq+2TuDxDP9C6KBtpxX8x0XmMQRLb8pxkgVBLFdrgdxnRtLw4B/5vmW5cZ1tTy
        e3tS8QOAJ1+wHaH6HrmAsLEuJm7E7uS128S4Hj7nQ/3xPulEJgTuFqV/4D0CqXLr
        JK902Z3WfNDvdidlx+J1dLzT9qHeegBhRCf3klIsOY7zqBNlkw9N6t6UZznGDPjm
        fIKCRKm5pE6B5x/LOnKmgcO8Cq53nfwHnb78HJ+AJsb/KNfDTgwvYxaU46QBILgw
        Wg==
        -----END CERTIFICATE-----
        """
    static let rsaKey = """
        -----BEGIN PRIVATE KEY-----
        MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDWtrb3derx7BKp
        SbO74LbEaWCdinj7TONJZO/hJ6lGvsU8oC9uyNvAW7QjPpC/4EMhYbFzDqyiyuNc
        8AfC+aJQTIFnslnefn9XKwK2wFGmWGpx6ihfdY4g8JzK7wavYcNH55RlIAjCDqJM
        OQ6eN0W6ayoRcgb8BpjU0lLriz5EYdjzq5pRuUDJge7bjielNFsio2KefDDKUTe6
        hNhY+A4QdxzGNIeIBknuyhqJCuvzJnjUax47DDjx3jbMoRnhtCOJ7K3yM6v8W1oM
        hSqsgxp06ealIOgwWTeTxESrQHabLziku5yXWna2CPjIzKMKS3E4Om+4AvVlMnUY
        MDzqs9rfAgMBAAECggEACWJDiRxU4XXt3CIbnFMe6EufQNkxkqsp5okJMkibJLuE
        f+F8hB5k4+f4SrUghqjNhNLUy9wxAQ2nkv1LG7p8RiI7Sz0h0BXyZfhHv9s3EH8G
        0zGbEALKSaC2EwA+rfWm5Oh3UoRJZPltwZprIy3cl+AVwdEoAojAjF2sRij94i02
        veK1C0SlT3vzUxwTtiK+IS0DPzYfTvNZ6OX3xeeOOjbh7J4OWiMSklnm2pxPtdRl
        tT2G9xEWbG62/zSIAvzGyPFgWW1CHX2HiheL+4beY3ZHN9T4VTSj8PcSQbicHZXK
        omf5nSAKBUK0sJ0BS52unH1AdGjT8hQo95UoBQQv9QKBgQD+1Mzeg2mtWZs7pw/9
        RFt8DvbqsiB/c7dcvZ6wCXLesvwATuGziYd671R6adF/FmXdsl6O8CrcYtxQbcpf
        Iz/ABM+u8evLfDUCHVrV54MHTth0qJun8x9Ppl96OsKMmU0grCBebWDOhmn6RDH+
        pAQJAYTBVsFbvQwt3fL0UbFjqwKBgQDXss/lHPR54B7vpNJiU4/zlIlXbjIuzYI8
        RjZjPyvTzSMeM2wPVhfIBmrHuT68IeSnlLNUXhRr/rKdic2KabfvOSCRyklfUH1z
        xuWRcE2ePJGHWJutpaBo61lc7tHfCXn4+tKuFc6F398K1PEer9Ciqf7kIXKD7QjZ
        LELNwIIxnQKBgQC70b4ZtoO6B5Q5WD2Zrrs66ZCllJoNNg2MZhnCp4QpjYPc+kax
        3Ail3CXIf5uv7qMvzlqRQYRloNu+z9zbWBCRhzpHN/lRpf8vytD7XUIercct3GO1
        WqTWQMqYPRzNIeRN02+cCUPTlBAiLAcpJlvvA1aEZVvoMKL8X1zFJDz5NwKBgDGA
        72e04oMKJe94E3TPms0bfP3c45WMQuSUdK0IdYWRogqvYJCQgLq+hkk6QaSp3rF7
        VkD5qpQyi0nOs6adpsI3iTsMgxRmA7TLpCph7N5xJjE669fJmGwb/5FtmisnIKA8
        6Jddl91vyN/SiVgyn56Fh2NSLdcLUqmNF/Pix76dAoGBAOEGT5lf3s0MmlqykZjV
        2/4K5I8G7SvzD5w0kKVAidjeDbvYVYSR87qHxBaaqBk0yV2BIvV2y7DAAzY3Fhms
        EtKARRT/Qs8lVsDkkigF/wPsVqsmtxUD8eB2W9hp0HhrSM/HG+hCrBGio+Gr/Fau
        rNxm9Vawsog4OePusP6p5jnA
        -----END PRIVATE KEY-----
        """
    /// subject=CN = mps-test-root
    static let rootCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIBmDCCAT2gAwIBAgIUSbehDdsO9/s7FnDtO3UFvO2Hg+wwCgYIKoZIzj0EAwIw
        GDEWMBQGA1UEAwwNbXBzLXRlc3Qtcm9vdDAgFw0yNjEyMDQwODM3MzNaGA8yMTI2
        MTExMDA4MzczM1owGDEWMBQGA1UEAwwNbXBzLXRlc3Qtcm9vdDBZMBMGByqGSM49
        AgEGCCqGSM49AwEHA0IABOzLr/Pu4UEffBtjQm+LAgowFpGphZU/jOKs5A+OX6NU
        bayY2ZNYAL0pjVpsFcAvaznw4SedNrCiCoPTHbjjg8yjYzBhMB0GA1UdDgQWBBSr
        5RieJna+SAyqS9C2H3czvsIObjAfBgNVHSMEGDAWgBSr5RieJna+SAyqS9C2H3cz
        vsIObjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAKBggqhkjOPQQD
        AgNJADBGAiEAre/kPiWjgpc9P51gp/eE9cfdDKJhkq5NFKbHsh0UTGwCIQCqL4MN
        fLElIirXtlXaDIAU4WeSLO05/zhl203WtT+P5A==
        -----END CERTIFICATE-----
        """
    /// subject=CN = localhost
    static let leafCertificate = """
        -----BEGIN CERTIFICATE-----
        MIIBwjCCAWigAwIBAgIUC3PrAWzfGcUfp0orBS8PRNtXzrgwCgYIKoZIzj0EAwIw
        GDEWMBQGA1UEAwwNbXBzLXRlc3Qtcm9vdDAgFw0yNjEyMDQwODM3MzNaGA8yMTI2
        MTExMDA4MzczM1owFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYI
        KoZIzj0DAQcDQgAELqQufeHCt407OjGWYiQ7dqyrT6ynneEAZazItsIpSNvzsksW
        tN6WLcq7bphXx5hqV7why0sLxwC4ApmdwJCCEaOBkTCBjjAsBgNVHREEJTAjggls
        b2NhbGhvc3SHBH8AAAGHEAAAAAAAAAAAAAAAAAAAAAEwCQYDVR0TBAIwADATBgNV
        HSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQUi94a0GuxRTdhhhdEYBuEktprsbcw
        HwYDVR0jBBgwFoAUq+UYniZ2vkgMqkvQth93M77CDm4wCgYIKoZIzj0EAwIDSAAw
        RQIgdXDbNCTgagy6ZE+ZCYctv1QR7CUYJJSMx+AD6pQcaY0CIQCQqU3MUgIQNIh6
        l5YisdWom7BoDbrzR0/76ZAD06Pn5A==
        -----END CERTIFICATE-----
        """
    static let leafKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAPllBGmAqHiaKWGW
        jIwyrkPWaO9JxdXl7X1SxVRxD7KhRANCAAQupC594cK3jTs6MZZiJDt2rKtPrKed
        4QBlrMi2wilI2/OySxa03pYtyrtumFfHmGpXvCHLSwvHALgCmZ3AkIIR
        -----END PRIVATE KEY-----
        """
}
