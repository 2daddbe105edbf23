import ArgumentParser
import Foundation
import PollenRecipes
import PollenSimulation

/// `pollen baseline NAME`: reproduces a comparison from the literature, prints a table and writes
/// a report.
struct BaselineCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "baseline",
    abstract: "Run a reference comparison of strategies and print its table.",
    discussion: """
      fedfs    FedAvg vs FedFS on the Flower paper's Figure 5 network profile: simulated time to \
      reach the target accuracy.
      robust   FedAvg, FedMedian, FedTrimmedAvg, Krum and Bulyan with 20% sign-flip attackers on \
      digits: final accuracy of each.
      fedprox  FedAvg vs FedProx (μ = 0, 0.01, 1) on synthetic(1,1) with 50% stragglers: training \
      loss per round.
      Writes report.html and results.txt to --out (default runs/baseline-NAME).
      """)

  enum Name: String, ExpressibleByArgument, CaseIterable {
    case fedfs, robust, fedprox
  }

  @Argument(help: "fedfs | robust | fedprox") var name: Name
  @Option(help: "Rounds (default: the baseline's own).") var rounds: Int?
  @Option(help: "Seed.") var seed: UInt64 = 0
  @Option(help: "fedfs: the centralised accuracy to reach.") var target = 0.85
  @Option(help: "robust: the attack (sign-flip[:K] | scale:K | noise:σ).") var attack = "sign-flip"
  @Option(help: "robust: the share of attackers.") var attackers = 0.2
  @Option(help: "Output directory (default: runs/baseline-NAME).") var out: String?

  func run() async throws {
    let logger = CLILogging.logger("pollen.baseline")
    let report: ComparisonReport
    switch name {
    case .fedfs:
      let b = BaselineFedFS(targetAccuracy: target, rounds: rounds ?? 30, seed: seed)
      report = b.report(try await b.run(logger: logger))
    case .robust:
      let b = BaselineRobust(
        rounds: rounds ?? 40, attackers: attackers, attack: try Attack(parsing: attack), seed: seed)
      report = b.report(try await b.run(logger: logger))
    case .fedprox:
      let b = BaselineFedProx(rounds: rounds ?? 40, seed: seed)
      report = b.report(try await b.run(logger: logger))
    }
    let dir = URL(fileURLWithPath: out ?? "runs/baseline-\(name.rawValue)")
    try report.write(to: dir)
    print(report.title)
    print(report.textTable())
    print("wrote \(dir.path)/{report.html, results.txt}")
  }
}
