import PollenCore

/// Stragglers as in the FedProx paper (Li et al. 2018, §5.2 "systems heterogeneity"): each round,
/// every sampled client is a straggler with probability ``fraction``; a straggler runs a random
/// number of local epochs in `1..<E` (E from its `local_epochs` config) — partial work — or, with
/// ``Mode/drop``, gives up and is recorded as a failure (what FedAvg does with stragglers in the
/// paper).
public struct Stragglers: Sendable {
  /// What a straggler does.
  public enum Mode: String, Sendable {
    /// Sends what it managed: fewer local epochs.
    case partialWork = "partial-work"
    /// Does not answer: the server records a failure.
    case drop
  }

  /// The probability that a sampled client straggles in a round, in 0…1.
  public var fraction: Double
  public var mode: Mode
  public var seed: UInt64

  /// - Throws: `PollenError` `.invalidArgument` unless `fraction` is in 0…1.
  public init(fraction: Double, mode: Mode = .partialWork, seed: UInt64 = 0) throws {
    guard (0...1).contains(fraction) else {
      throw PollenError(.invalidArgument, "the stragglers' fraction must be in 0…1, not \(fraction)")
    }
    self.fraction = fraction
    self.mode = mode
    self.seed = seed
  }

  /// `client`, straggling in the rounds this seed picks.
  public func wrap(_ client: any Client, id: Int) -> any Client {
    fraction > 0 ? StragglingClient(wrapped: client, stragglers: self, id: id) : client
  }

  /// The random source of client `id` in `round` (the same for a seed, whatever the order).
  func random(id: Int, round: Int) -> SeededRandom {
    SeededRandom.derived(seed: seed ^ 0x57A6_61E5, stream: UInt64(id) &* 1_000_003 &+ UInt64(max(0, round)))
  }
}

/// A client that sometimes straggles (see ``Stragglers``).
struct StragglingClient: ClientDecorator {
  let wrapped: any Client
  let stragglers: Stragglers
  let id: Int

  func fit(_ ins: FitIns) async throws -> FitRes {
    let round = ins.config["server_round"]?.intValue ?? 0
    var rng = stragglers.random(id: id, round: round)
    guard rng.nextUnit() < stragglers.fraction else { return try await wrapped.fit(ins) }
    switch stragglers.mode {
    case .drop:
      throw PollenError(.clientFailed, "client \(id) straggled in round \(round) and was dropped")
    case .partialWork:
      let epochs = max(1, ins.config["local_epochs"]?.intValue ?? 1)
      var ins = ins
      ins.config["local_epochs"] = .int(Int64(epochs > 1 ? Int.random(in: 1..<epochs, using: &rng) : 1))
      return try await wrapped.fit(ins)
    }
  }
}
