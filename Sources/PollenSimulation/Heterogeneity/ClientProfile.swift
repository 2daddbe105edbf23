import PollenCore

/// One virtual client's device and network: how fast it trains, how fast it moves parameters,
/// and how often it is reachable. Used by the simulator to charge simulated (virtual) time.
public struct ClientProfile: Sendable, Hashable {
  /// Training throughput in examples per second (> 0).
  public var examplesPerSecond: Double
  /// Download bandwidth in Mbit/s (> 0).
  public var downMbps: Double
  /// Upload bandwidth in Mbit/s (> 0).
  public var upMbps: Double
  /// Probability that the client is reachable when called, in 0…1 (1 = always).
  public var availability: Double

  /// A profile; throws `PollenError` `.invalidArgument` for a non-positive speed or an
  /// availability outside 0…1.
  public init(examplesPerSecond: Double, downMbps: Double, upMbps: Double, availability: Double = 1) throws {
    for (name, v) in [("examples_per_s", examplesPerSecond), ("down_mbps", downMbps), ("up_mbps", upMbps)] {
      guard v.isFinite, v > 0 else {
        throw PollenError(.invalidArgument, "\(name) must be a positive number, got \(v)")
      }
    }
    guard availability.isFinite, (0...1).contains(availability) else {
      throw PollenError(.invalidArgument, "availability must be in 0…1, got \(availability)")
    }
    self.examplesPerSecond = examplesPerSecond
    self.downMbps = downMbps
    self.upMbps = upMbps
    self.availability = availability
  }

  /// Seconds to download `bytes` bytes.
  public func downloadSeconds(bytes: Int) -> Double { Double(bytes) * 8 / (downMbps * 1_000_000) }
  /// Seconds to upload `bytes` bytes.
  public func uploadSeconds(bytes: Int) -> Double { Double(bytes) * 8 / (upMbps * 1_000_000) }
  /// Seconds to process `examples` training examples.
  public func computeSeconds(examples: Int) -> Double { Double(examples) / examplesPerSecond }
  /// The most examples this client processes in `seconds` (the cut-off `τ` as work):
  /// `floor(seconds · examplesPerSecond)`.
  public func maxExamples(within seconds: Double) -> Int {
    guard seconds.isFinite else { return Int.max }
    return Int((max(0, seconds) * examplesPerSecond).rounded(.down))
  }
}

/// A table of ``ClientProfile``s for a population: client `id` gets row `id % count`, so a
/// short table cycles over any number of clients.
public struct ClientProfiles: Sendable, Hashable {
  /// The rows, in client order.
  public let profiles: [ClientProfile]

  /// A table of at least one profile.
  public init(_ profiles: [ClientProfile]) throws {
    guard !profiles.isEmpty else {
      throw PollenError(.invalidArgument, "a profile table needs at least one row")
    }
    self.profiles = profiles
  }

  /// The number of rows.
  public var count: Int { profiles.count }

  /// The profile of client `id` (`id % count`).
  public func profile(for id: Int) -> ClientProfile {
    profiles[((id % profiles.count) + profiles.count) % profiles.count]
  }
}
