/// Test-only certificates (never use them elsewhere): a CA and a server certificate it signed,
/// for `localhost` and `127.0.0.1`, valid for 100 years. Made with openssl (P-256).
enum TestCertificates {
  static let ca = """
    -----BEGIN CERTIFICATE-----
    MIIBiTCCAS+gAwIBAgIUKbpngOXCayVw7bBYj7Bm1ASXcmIwCgYIKoZIzj0EAwIw
    GTEXMBUGA1UEAwwOUG9sbGVuIFRlc3QgQ0EwIBcNMjYxMTIzMTI0NTI4WhgPMjEy
    NjEwMzAxMjQ1MjhaMBkxFzAVBgNVBAMMDlBvbGxlbiBUZXN0IENBMFkwEwYHKoZI
    zj0CAQYIKoZIzj0DAQcDQgAE0V5z3P7ib1EwS+YjPwwdbdPwcVkIHNcl8AXFQiFh
    SldcEtHDad2FuFansTuXBe6uZpUo91ZZ2k9YWfM8VvKFdaNTMFEwHQYDVR0OBBYE
    FPB71R+gr5WmlWkq4tdVZMchsHrjMB8GA1UdIwQYMBaAFPB71R+gr5WmlWkq4tdV
    ZMchsHrjMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAKbIYcpg
    debVJ2PKoVnnf1q4ys/Io0GUhgwBWSP/Yqg6AiBUwpuC9fAooP9o9m+YmQOwAE24
    nuFUutv+KVHoP+hCvw==
    -----END CERTIFICATE-----
    """

  static let serverChain = """
    -----BEGIN CERTIFICATE-----
    MIIBjzCCATWgAwIBAgIUbbx8xasQG6Fe74r9zIkfRNng9UcwCgYIKoZIzj0EAwIw
    GTEXMBUGA1UEAwwOUG9sbGVuIFRlc3QgQ0EwIBcNMjYxMTIzMTI0NTI4WhgPMjEy
    NjEwMzAxMjQ1MjhaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEG
    CCqGSM49AwEHA0IABDSK924PCLImkEdX2O02ViP5NZriidnbRdCYelQCQrDZ6x+s
    t80Rn1u/WsRohPoWyaLT/a90nfrwRDn9bR8Ojk+jXjBcMBoGA1UdEQQTMBGCCWxv
    Y2FsaG9zdIcEfwAAATAdBgNVHQ4EFgQUBaUWkKrlLyG8B1zgBmu14+n5gVYwHwYD
    VR0jBBgwFoAU8HvVH6CvlaaVaSri11VkxyGweuMwCgYIKoZIzj0EAwIDSAAwRQIh
    AJzKLx1d4EfjpMWZc4qLYVYE59rEtPW/H71S++uaS+s2AiAgNXiZ1mNQwrK0jDLB
    VDDhKXb9PpuLv86E1Fn0TRN77w==
    -----END CERTIFICATE-----
    """

  static let serverKey = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgap/xmH8lnI+Y488v
    4sDqmbX4Hk01vvHVY455hCQQmOyhRANCAAQ0ivduDwiyJpBHV9jtNlYj+TWa4onZ
    20XQmHpUAkKw2esfrLfNEZ9bv1rEaIT6Fsmi0/2vdJ368EQ5/W0fDo5P
    -----END PRIVATE KEY-----
    """
}
