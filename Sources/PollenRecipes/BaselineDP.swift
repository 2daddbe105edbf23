import Logging
import PollenCore
import PollenPrivacy
import PollenServer
import PollenSimulation

/// Accuracy against privacy on digits: central DP with fixed clipping against adaptive clipping
/// (Andrew et al.) at noise multipliers z ∈ {0.5, 1, 2}, and fixed clipping on the clients under
/// secure aggregation (SecAgg+), beside runs without DP — the final centralised accuracy and the ε
/// spent (RDP accountant, sampling without replacement, δ = 1e-5) of each.
///
/// The default setting: 100 IID clients, 30 of them sampled each round (q = 0.3), 30 rounds of
/// 1 local epoch, the MLP; fixed clipping at C = 1, adaptive clipping from Flower's C₀ = 0.1.
public struct BaselineDP: Sendable {
  /// One run of the comparison.
  public struct Variant: Sendable, Hashable {
    /// `nil`: no DP (the reference).
    public var mechanism: PrivacyPlan.Mechanism?
    public var noiseMultiplier: Double
    public var secureAggregation: Bool

    public var name: String {
      guard let mechanism else { return secureAggregation ? "no DP, SecAgg+" : "no DP" }
      return "\(mechanism.rawValue) z=\(noiseMultiplier)" + (secureAggregation ? ", SecAgg+" : "")
    }
  }

  /// One run's outcome.
  public struct Result: Sendable {
    public var variant: Variant
    public var finalAccuracy: Double?
    public var epsilon: Double?
    public var history: History
  }

  /// The job every variant runs.
  public var job: SimulationJob.Options
  /// The variants, in the table's order.
  public var variants: [Variant]
  /// Fixed clipping's norm.
  public var clippingNorm = 1.0
  /// δ of the reported ε.
  public var delta = 1e-5
  /// The SecAgg+ settings of the secure variants.
  public var secureAggregation = SecAggPlusConfig.defaults

  public init(rounds: Int = 30, noiseMultipliers: [Double] = [0.5, 1, 2], seed: UInt64 = 0) {
    var o = SimulationJob.Options.defaults
    o.clients = 100
    o.fractionFit = 0.3
    o.fractionEvaluate = 0
    o.partition = .iid
    o.rounds = rounds
    o.localEpochs = 1
    o.seed = seed
    job = o
    // With SecAgg+ the server never sees an update, so it cannot clip one: the secure runs clip
    // on the clients (client-fixed). Adaptive clipping needs every client's norm bit, which
    // SecAgg+ would have to sum securely too; it is not run with SecAgg+.
    variants =
      [false, true].map { Variant(mechanism: nil, noiseMultiplier: 0, secureAggregation: $0) }
      + noiseMultipliers.flatMap { z in
        [
          Variant(mechanism: .centralFixed, noiseMultiplier: z, secureAggregation: false),
          Variant(mechanism: .centralAdaptive, noiseMultiplier: z, secureAggregation: false),
          Variant(mechanism: .clientFixed, noiseMultiplier: z, secureAggregation: true),
        ]
      }
  }

  /// The job of `variant`.
  public func options(_ variant: Variant) -> SimulationJob.Options {
    var o = job
    if let mechanism = variant.mechanism {
      var options = ["noise_multiplier": "\(variant.noiseMultiplier)"]
      if mechanism != .centralAdaptive { options["clipping_norm"] = "\(clippingNorm)" }
      var plan = PrivacyPlan(mechanism, options: options)
      plan.targetDelta = delta
      plan.seed = job.seed
      o.privacy = plan
    }
    if variant.secureAggregation { o.secureAggregation = secureAggregation }
    return o
  }

  /// Runs every variant in turn.
  public func run(logger: Logger = .pollen("pollen.baseline.dp")) async throws -> [Result] {
    var results: [Result] = []
    for variant in variants {
      let h = try await SimulationJob(options: options(variant), logger: logger).run().history
      results.append(
        Result(
          variant: variant, finalAccuracy: h.metricsCentralized["accuracy"]?.last?.value.doubleValue,
          epsilon: h.privacy["epsilon"]?.last?.value.doubleValue, history: h))
    }
    return results
  }

  /// The results as a table (accuracy and ε) with accuracy and ε charts.
  public func report(_ results: [Result]) -> ComparisonReport {
    let runs = results.map { ($0.variant.name, $0.history) }
    return ComparisonReport(
      title: "Baseline dp — accuracy against ε",
      summary:
        "\(job.dataset), \(job.clients) \(job.partition) clients, \(Int(job.fractionFit * 100))% sampled each round, "
        + "\(job.rounds) rounds of \(job.localEpochs) local epoch(s), \(job.model). Central DP: fixed clipping at "
        + "C = \(clippingNorm), adaptive clipping (Andrew et al.) from C₀ = 0.1; ε from the RDP accountant "
        + "(sampling without replacement) at δ = \(delta).",
      columns: ["variant", "final accuracy", "ε"],
      rows: results.map { r in
        [
          r.variant.name, r.finalAccuracy.map { String(format: "%.4f", $0) } ?? "-",
          r.epsilon.map { String(format: "%.3f", $0) } ?? "∞ (no DP)",
        ]
      },
      plots: [
        ComparisonReport.plot(title: "Centralised accuracy", yLabel: "accuracy", runs: runs) {
          SVGPlot.points($0.metricsCentralized["accuracy"])
        },
        ComparisonReport.plot(title: "ε spent", yLabel: "ε", runs: runs.filter { !$0.1.privacy.isEmpty }) {
          SVGPlot.points($0.privacy["epsilon"])
        },
      ])
  }
}
