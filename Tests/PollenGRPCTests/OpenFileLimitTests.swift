import PollenCore
import Testing

@testable import PollenGRPC

/// `RLIMIT_NOFILE` handling: the soft limit goes to the hard limit; a `--max-clients` the hard
/// limit cannot serve is refused with the numbers.
struct OpenFileLimitTests {
  @Test func theSoftLimitIsRaisedToTheHardLimit() throws {
    let limits = OpenFileLimit.Limits(soft: 1024, hard: 524_288)
    #expect(try OpenFileLimit.target(for: limits, clients: nil) == 524_288)
    #expect(try OpenFileLimit.target(for: limits, clients: 100_000) == 524_288)
    // macOS caps the soft limit at OPEN_MAX even when the hard limit is unlimited.
    #expect(try OpenFileLimit.target(for: limits, clients: nil, cap: 10_240) == 10_240)
  }

  @Test func aSoftLimitAboveTheCapIsKept() throws {
    let limits = OpenFileLimit.Limits(soft: 65_536, hard: .max)
    #expect(try OpenFileLimit.target(for: limits, clients: nil, cap: 10_240) == 65_536)
  }

  @Test func maxClientsAboveTheHardLimitIsRefusedWithTheNumbers() throws {
    let limits = OpenFileLimit.Limits(soft: 1024, hard: 4096)
    // 3,840 clients + 256 reserved descriptors fit exactly; one more does not.
    #expect(try OpenFileLimit.target(for: limits, clients: 3_840) == 4096)
    let error = #expect(throws: PollenError.self) {
      try OpenFileLimit.target(for: limits, clients: 3_841)
    }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("--max-clients 3841 needs about 4097 open files") == true)
    #expect(error?.message.contains("at most 4096 (ulimit -Hn)") == true)
    #expect(error?.message.contains("lower --max-clients to 3840") == true)
  }

  @Test func raisingTheRealLimitNeverLowersIt() throws {
    let before = try OpenFileLimit.current()
    let (seen, after) = try OpenFileLimit.raise()
    #expect(seen.hard == before.hard)
    #expect(after.soft >= before.soft)
    #expect(after.hard == before.hard)
    #expect(try OpenFileLimit.current() == after)
    #expect(throws: PollenError.self) { try OpenFileLimit.raise(forClients: Int(Int32.max)) }
  }
}
