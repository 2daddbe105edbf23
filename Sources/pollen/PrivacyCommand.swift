import ArgumentParser
import PollenCore
import PollenPrivacy

/// `pollen privacy epsilon|noise`: the privacy accountants on the command line (dp-accounting's
/// RDP and PLD accountants, ported; see `PollenPrivacy/Accounting`).
struct PrivacyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "privacy", abstract: "Differential-privacy accounting for the Gaussian mechanism.",
    subcommands: [Epsilon.self, Noise.self])

  /// How steps sample, by its command-line name.
  enum SamplingArgument: String, ExpressibleByArgument, CaseIterable {
    case poisson
    case withoutReplacement = "without-replacement"
    case none

    var sampling: PrivacySampling {
      switch self {
      case .poisson: .poisson
      case .withoutReplacement: .withoutReplacement
      case .none: PrivacySampling.none
      }
    }
  }

  /// The mechanism both subcommands describe.
  struct Mechanism: ParsableArguments {
    @Option(help: "The share q of records (clients) each step samples, in [0, 1].") var samplingRate: Double
    @Option(help: "The number of steps (rounds) composed.") var steps: Int
    @Option(help: "δ, in (0, 1).") var delta: Double
    @Option(help: "The accountant: rdp | pld.") var accountant: PrivacyAccountantKind = .rdp
    @Option(
      help: "How each step samples: poisson | without-replacement (RDP only) | none (no amplification).")
    var sampling: SamplingArgument = .poisson

    func validate() throws {
      guard samplingRate >= 0, samplingRate <= 1 else {
        throw ValidationError("--sampling-rate \(samplingRate) must be in [0, 1]")
      }
      guard steps >= 0 else { throw ValidationError("--steps \(steps) must be ≥ 0") }
      guard delta > 0, delta < 1 else { throw ValidationError("--delta \(delta) must be in (0, 1)") }
      if accountant == .pld, sampling == .withoutReplacement {
        throw ValidationError(
          "the PLD accountant has no analysis of sampling without replacement: use --accountant rdp")
      }
    }

    var description: String { "\(accountant.rawValue) accountant, \(sampling.rawValue) sampling" }
  }

  struct Epsilon: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the smallest ε for which the steps are (ε, δ)-DP (for RDP, with the optimal order).")

    @Option(help: "z = σ / sensitivity of each step's Gaussian noise.") var noiseMultiplier: Double
    @OptionGroup var mechanism: Mechanism

    func validate() throws {
      guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
        throw ValidationError("--noise-multiplier \(noiseMultiplier) must be finite and ≥ 0")
      }
    }

    func run() throws {
      let m = mechanism
      if m.accountant == .rdp {
        var a = RDPAccountant()
        try a.compose(
          noiseMultiplier: noiseMultiplier, samplingRate: m.samplingRate, sampling: m.sampling.sampling,
          steps: m.steps)
        let (epsilon, order) = try a.epsilonAndOrder(delta: m.delta)
        print("epsilon = \(epsilon) at delta = \(m.delta) (\(m.description), optimal order \(order))")
      } else {
        var a = m.accountant.makeAccountant()
        try a.compose(
          noiseMultiplier: noiseMultiplier, samplingRate: m.samplingRate, sampling: m.sampling.sampling,
          steps: m.steps)
        print("epsilon = \(try a.epsilon(delta: m.delta)) at delta = \(m.delta) (\(m.description))")
      }
    }
  }

  struct Noise: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print the smallest noise multiplier z for which the steps are (ε, δ)-DP.")

    @Option(help: "The target ε, > 0.") var epsilon: Double
    @OptionGroup var mechanism: Mechanism
    @Option(help: "The search's tolerance on z.") var tolerance = PrivacyCalibration.defaultTolerance

    func validate() throws {
      guard epsilon > 0, epsilon.isFinite else {
        throw ValidationError("--epsilon \(epsilon) must be finite and > 0")
      }
      guard tolerance > 0 else { throw ValidationError("--tolerance \(tolerance) must be > 0") }
    }

    func run() throws {
      let m = mechanism
      let z = try PrivacyCalibration.noiseMultiplier(
        epsilon: epsilon, delta: m.delta, samplingRate: m.samplingRate, sampling: m.sampling.sampling,
        steps: m.steps, accountant: m.accountant, tolerance: tolerance)
      print(
        "noise multiplier = \(z) for epsilon = \(epsilon) at delta = \(m.delta) (\(m.description), tolerance \(tolerance))"
      )
    }
  }
}
