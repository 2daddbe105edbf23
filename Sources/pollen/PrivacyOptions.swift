import ArgumentParser
import PollenCore
import PollenPrivacy

extension PrivacyPlan.Mechanism: ExpressibleByArgument {}
extension PrivacyAccountantKind: ExpressibleByArgument {}

/// `--dp KIND [--dp-option key=value …] [--target-delta δ] [--max-epsilon ε] [--accountant rdp|pld]
/// [--dp-sampling poisson|without-replacement|none]`: differential privacy for `simulate` and
/// `server`, with the privacy spent recorded every round (history.json `privacy.epsilon`).
struct PrivacyOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Differential privacy: \(PrivacyPlan.Mechanism.allCases.map(\.rawValue).joined(separator: " | ")).",
      discussion:
        "central-*: the server clips and adds noise; client-*: clients clip (Pollen clients and Flower's fixedclipping_mod/adaptiveclipping_mod), the server adds noise; local: each client clips and noises its update (Flower's LocalDpMod).",
      valueName: "KIND"))
  var dp: PrivacyPlan.Mechanism?

  @Option(
    name: .customLong("dp-option"),
    help: ArgumentHelp(
      "A DP option as key=value (repeatable): noise_multiplier, clipping_norm, num_sampled_clients; adaptive: initial_clipping_norm, target_clipped_quantile, clip_norm_lr, clipped_count_stddev; local: clipping_norm, sensitivity, epsilon, delta.",
      valueName: "key=value"))
  var dpOptions: [String] = []

  @Option(help: "δ at which ε is reported every round (default 1e-5).") var targetDelta: Double?
  @Option(help: "Stop cleanly before a round that would spend more than this ε.") var maxEpsilon: Double?
  @Option(help: "Privacy accountant: rdp | pld.") var accountant: PrivacyAccountantKind = .rdp
  @Option(
    help:
      "How rounds sample clients, for amplification: poisson | without-replacement (default; Pollen samples a fixed-size cohort) | none."
  )
  var dpSampling: String?

  func validate() throws {
    if dp == nil, targetDelta != nil || maxEpsilon != nil || !dpOptions.isEmpty || dpSampling != nil {
      throw ValidationError("--dp-option, --target-delta, --max-epsilon and --dp-sampling need --dp")
    }
    _ = try sampling()
  }

  private func sampling() throws -> PrivacySampling? {
    switch dpSampling {
    case nil: return nil
    case "poisson": return .poisson
    case "without-replacement": return .withoutReplacement
    case "none": return PrivacySampling.none
    case let other?:
      throw ValidationError("--dp-sampling \(other): expected poisson, without-replacement or none")
    }
  }

  /// The plan, or `nil` without `--dp`.
  func plan(seed: UInt64) throws -> PrivacyPlan? {
    guard let dp else { return nil }
    var plan = PrivacyPlan(dp, options: try StrategyOptionParser.parse(dpOptions))
    if let targetDelta { plan.targetDelta = targetDelta }
    plan.maxEpsilon = maxEpsilon
    plan.accountant = accountant
    plan.sampling = try sampling()
    plan.seed = seed
    return plan
  }
}
