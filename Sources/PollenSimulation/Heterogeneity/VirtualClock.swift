import PollenCore
import Synchronization

/// The simulator's virtual clock: what each fit call would have cost on its client's
/// ``ClientProfile``, summed per call and maxed per round. Nothing sleeps; time is only counted.
///
/// A call is charged `download + compute + upload`: the parameters' bytes over the client's
/// bandwidths, and the examples it processed over its throughput (the `examples_processed`
/// metric of the reply if present, else `numExamples × local_epochs` from the config). With a
/// time limit (the cut-off `τ` or a `timeout` config key) compute is charged at most the limit.
/// A round lasts as long as its slowest fit call. Unavailable clients fail at once and cost 0.
/// Federated evaluation and the initial `get_parameters` are not charged.
final class VirtualClock: Sendable {
  private let pending = Mutex<[Double]>([])
  private let calls = Mutex<[Int: UInt64]>([:])

  /// Records one fit call's simulated seconds.
  func charge(_ seconds: Double) { pending.withLock { $0.append(seconds) } }

  /// Forgets charges and availability draws, for a new run.
  func reset() {
    pending.withLock { $0 = [] }
    calls.withLock { $0 = [:] }
  }

  /// The slowest call since the last drain (0 when none), and starts a new round.
  func drainRound() -> Double {
    pending.withLock { p in
      defer { p.removeAll() }
      return p.max() ?? 0
    }
  }

  /// Whether client `id` is reachable for its next call: `false` with probability
  /// `1 − availability`, seeded by (seed, client, call number) so a seed replays exactly.
  func isAvailable(_ id: Int, availability: Double, seed: UInt64) -> Bool {
    guard availability < 1 else { return true }
    let n = calls.withLock { c -> UInt64 in
      c[id, default: 0] += 1
      return c[id]!
    }
    var rng = SeededRandom.derived(
      seed: seed ^ 0xA7A1_1AB1 ^ (n &* 0xD1B5_4A32_D192_ED03), stream: UInt64(id))
    return rng.nextUnit() < availability
  }

  /// The simulated seconds of a fit call of a client with `profile`.
  static func fitSeconds(
    profile: ClientProfile, ins: FitIns, res: FitRes, downloadBytes: Int, timeLimit: Double?
  ) -> Double {
    var compute = computeSeconds(profile: profile, ins: ins, res: res)
    if let timeLimit { compute = min(compute, timeLimit) }
    return profile.downloadSeconds(bytes: downloadBytes) + compute
      + profile.uploadSeconds(bytes: res.parameters.byteCount)
  }

  /// The simulated seconds of a fit call's local training: the examples it processed (the
  /// `examples_processed` metric if present, else `numExamples × local_epochs`) over the
  /// profile's throughput.
  static func computeSeconds(profile: ClientProfile, ins: FitIns, res: FitRes) -> Double {
    let examples: Int
    if let processed = res.metrics["examples_processed"]?.intValue {
      examples = processed
    } else {
      examples = res.numExamples * max(1, ins.config["local_epochs"]?.intValue ?? 1)
    }
    return profile.computeSeconds(examples: examples)
  }

  /// The time limit of a fit call: the smaller of the cut-off `τ` and a `timeout` config key.
  static func timeLimit(cutoff: Double?, config: Config) -> Double? {
    let timeout = config[SimulationConfig.timeoutConfigKey]?.doubleValue
    switch (cutoff, timeout) {
    case (let c?, let t?): return min(c, t)
    case (let c?, nil): return c
    case (nil, let t?): return t
    case (nil, nil): return nil
    }
  }
}
