import PollenCore
import Synchronization

/// FedFS, "Federating: Fast and Slow" (Flower paper, Appendix A.2, Algorithm 1): FedAvg with
/// partial work, importance sampling and alternating timeouts.
///
/// - **Partial work.** Each fit instruction carries config `timeout` = `Δ_t` seconds; a client
///   stops local training at `Δ_t` and reports the examples it processed, `c_k` (metric
///   `examples_processed`, else `numExamples`). The server averages weighted by `c_k`.
/// - **Importance sampling.** Client `k`'s contribution is `w_k = Σ c_k / Σ E·m_k` over the
///   rounds it took part in (`E·m_k` from metric `examples_possible`, else `local_epochs ×
///   numExamples`); never-selected clients have `w_k = 0`. Clients are drawn without replacement
///   with probability ∝ `1 − w_k + ε` (by rejection through a ``ClientCriterion``, so it works
///   with any ``ClientManager``, including a simulation's virtual population).
/// - **Alternating timeouts.** `r_f` fast rounds with `Δ_f`, then `r_s` slow rounds with `Δ_s`.
///
/// Turning `Δ` into work needs each client's speed. In a `PollenSimulation` run with client
/// profiles, the simulator translates `timeout` into `max_examples = floor(Δ · examplesPerSecond)`
/// for each client; a real client should stop training after `timeout` seconds itself.
///
/// Memory: O(model) for any number of clients K (FedAvg's running sum), plus one contribution
/// score per client ever selected.
public struct FedFS: FedAvgBased {
  /// Sampling sizes, instructions, evaluation and the common options.
  public var fedAvg: FedAvg
  /// `ε`, the minimum selection weight (> 0 keeps fully-contributing clients in the pool).
  public var epsilon: Double
  /// `Δ_f`, the timeout of fast rounds in seconds.
  public var fastTimeout: Double
  /// `Δ_s`, the timeout of slow rounds in seconds.
  public var slowTimeout: Double
  /// `r_f`, fast rounds per cycle.
  public var fastRounds: Int
  /// `r_s`, slow rounds per cycle.
  public var slowRounds: Int
  /// Seeds the importance sampling (with the round number).
  public var seed: UInt64

  /// Per client id: the work done `c_k` and the work possible `ĉ_k`, summed over rounds.
  public internal(set) var contributions: [String: (done: Double, possible: Double)] = [:]
  private var roundEpochs: [Int: Int] = [:]

  /// The config key carrying `Δ_t` in seconds.
  public static let timeoutKey = "timeout"

  /// FedFS around `fedAvg` (whose fractions and minimums set the sample size `j`).
  public init(
    fedAvg: FedAvg = FedAvg(), epsilon: Double = 0.1, fastTimeout: Double, slowTimeout: Double,
    fastRounds: Int = 1, slowRounds: Int = 1, seed: UInt64 = 0
  ) {
    self.fedAvg = fedAvg
    self.epsilon = max(0, epsilon)
    self.fastTimeout = fastTimeout
    self.slowTimeout = slowTimeout
    self.fastRounds = max(0, fastRounds)
    self.slowRounds = max(0, slowRounds)
    self.seed = seed
  }

  /// `Δ_t` of round `serverRound` (1-based): fast for the first `r_f` rounds of each cycle.
  public func timeout(serverRound: Int) -> Double {
    let cycle = fastRounds + slowRounds
    guard cycle > 0 else { return slowTimeout }
    return (serverRound - 1) % cycle < fastRounds ? fastTimeout : slowTimeout
  }

  /// `w_k` of client `cid`: its work done over work possible so far (0 when never selected).
  public func contribution(of cid: String) -> Double {
    guard let c = contributions[cid], c.possible > 0 else { return 0 }
    return min(1, max(0, c.done / c.possible))
  }

  /// The unnormalised selection weight `1 − w_k + ε`.
  public func selectionWeight(of cid: String) -> Double { 1 - contribution(of: cid) + epsilon }

  public mutating func configureFit(
    serverRound: Int, parameters: Parameters, clientManager: any ClientManager
  ) async -> [FitInstruction] {
    var config = fedAvg.onFitConfig?(serverRound) ?? [:]
    config[Self.timeoutKey] = .double(timeout(serverRound: serverRound))
    roundEpochs[serverRound] = max(1, config["local_epochs"]?.intValue ?? 1)
    let ins = FitIns(parameters: parameters, config: config)
    let (size, minimum) = fedAvg.numFitClients(available: await clientManager.numAvailable())
    let criterion = ImportanceCriterion(
      weights: contributions.keys.reduce(into: [:]) { $0[$1] = selectionWeight(of: $1) },
      defaultWeight: 1 + epsilon, seed: seed, round: serverRound)
    var clients: [any ClientProxy] = []
    for _ in 0..<3 where clients.isEmpty {
      clients = await clientManager.sample(numClients: size, minNumClients: minimum, criterion: criterion)
    }
    if clients.isEmpty {
      // Rejection kept too few clients (all weights tiny): fall back to uniform sampling.
      clients = await clientManager.sample(numClients: size, minNumClients: minimum, criterion: nil)
    }
    return clients.map { ($0, ins) }
  }

  public mutating func accumulateFit(serverRound: Int, result: FitResult) -> Bool {
    var res = result.res
    res.numExamples = Self.work(res)
    return fedAvg.accumulateFit(serverRound: serverRound, result: (result.client, res))
  }

  public mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let epochs = roundEpochs.removeValue(forKey: serverRound) ?? 1
    for (client, res) in results {
      let done = Double(Self.work(res))
      let possible = res.metrics["examples_possible"]?.doubleValue ?? Double(epochs * res.numExamples)
      let old = contributions[client.cid] ?? (0, 0)
      contributions[client.cid] = (old.done + done, old.possible + max(possible, done))
    }
    let weighted = results.map { r -> FitResult in
      var res = r.res
      res.numExamples = Self.work(res)
      return (r.client, res)
    }
    return fedAvg.aggregateFit(serverRound: serverRound, results: weighted, failures: failures)
  }

  /// `c_k`: metric `examples_processed` when the client reports it, else `numExamples`.
  static func work(_ res: FitRes) -> Int {
    res.metrics["examples_processed"]?.intValue ?? res.numExamples
  }
}

/// Accepts client `k` with probability `weight_k / max weight`: with uniform draws, the
/// accepted sequence is sampled ∝ `1 − w_k + ε`. Seeded per round; deterministic when the
/// client manager's draws are.
final class ImportanceCriterion: ClientCriterion {
  private let weights: [String: Double]
  private let defaultWeight: Double
  private let top: Double
  private let rng: Mutex<SeededRandom>

  init(weights: [String: Double], defaultWeight: Double, seed: UInt64, round: Int) {
    self.weights = weights
    self.defaultWeight = defaultWeight
    self.top = max(defaultWeight, weights.values.max() ?? 0)
    self.rng = Mutex(SeededRandom.derived(seed: seed ^ 0xFEDF5, stream: UInt64(max(0, round))))
  }

  func select(_ client: any ClientProxy) -> Bool {
    let w = weights[client.cid] ?? defaultWeight
    guard top > 0 else { return true }
    return rng.withLock { $0.nextUnit() } < w / top
  }
}
