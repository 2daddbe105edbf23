import ArgumentParser
import Foundation
import Logging
import PollenRecipes
import PollenServer
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
      figure5  The Flower paper's Figure 5 experiment (§7.3) on digits: FedAvg waiting for all, \
      FedAvg with timeout Δ (late work discarded) and FedFS, on the virtual clock \
      (--network virtual) or with pollen server and pollen client processes over links shaped \
      per country in network namespaces (--network real: needs root, iproute2 and \
      Scripts/netlab.sh), beside the virtual clock's prediction. --sweep adds the Figure 5 curve.
      dp       Accuracy against ε on digits: central DP with fixed vs adaptive clipping at \
      z = 0.5, 1, 2, and client-side fixed clipping under SecAgg+, beside runs without DP.
      Writes report.html and results.txt to --out (default runs/baseline-NAME).
      """)

  enum Name: String, ExpressibleByArgument, CaseIterable {
    case fedfs, robust, fedprox, figure5, dp
  }

  enum Network: String, ExpressibleByArgument, CaseIterable {
    case virtual, real
  }

  @Argument(help: "fedfs | robust | fedprox | figure5 | dp") var name: Name
  @Option(help: "Rounds (default: the baseline's own).") var rounds: Int?
  @Option(help: "Seed.") var seed: UInt64 = 0
  @Option(help: "fedfs: the centralised accuracy to reach.") var target = 0.85
  @Option(help: "robust: the attack (sign-flip[:K] | scale:K | noise:σ).") var attack = "sign-flip"
  @Option(help: "robust: the share of attackers.") var attackers = 0.2
  @Option(help: "Output directory (default: runs/baseline-NAME).") var out: String?
  @Option(help: "figure5: virtual (the simulator's clock) or real (processes over shaped links).")
  var network: Network = .virtual
  @Option(help: "figure5: clients (each at country k·40/N of the paper's 40).") var clients = 40
  @Option(help: "figure5: the distributed accuracy to reach.") var targetAccuracy = 0.8
  @Flag(help: "figure5: also the Figure 5 curve (every client at country i's speed) in the report.")
  var sweep = false
  @Option(help: "figure5 --network real: the network lab script.") var netlab = "Scripts/netlab.sh"

  func validate() throws {
    guard clients >= 1 else { throw ValidationError("--clients must be at least 1") }
    if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
  }

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
    case .figure5:
      report = try await figure5(logger: logger)
    case .dp:
      let b = BaselineDP(rounds: rounds ?? 30, seed: seed)
      report = b.report(try await b.run(logger: logger))
    }
    let dir = URL(fileURLWithPath: out ?? "runs/baseline-\(name.rawValue)")
    try report.write(to: dir)
    print(report.title)
    if name == .figure5 { print(report.summary) }
    print(report.textTable())
    print("wrote \(dir.path)/{report.html, results.txt}")
  }
}

extension BaselineCommand {
  /// `figure5`: the virtual runs, the real ones beside them with `--network real`, the sweep.
  func figure5(logger: Logger) async throws -> ComparisonReport {
    let b = BaselineFigure5(clients: clients, rounds: rounds ?? 10, targetAccuracy: targetAccuracy)
    let dir = URL(fileURLWithPath: out ?? "runs/baseline-figure5")
    let quiet = Logger.pollen("pollen.baseline.figure5", defaultLevel: .warning)
    var virtual: [BaselineFigure5.Variant: BaselineFigure5.Summary] = [:]
    for variant in BaselineFigure5.Variant.allCases {
      virtual[variant] = b.summary(of: try await b.simulate(variant, logger: quiet), virtual: true)
    }
    var real: [BaselineFigure5.Variant: BaselineFigure5.Summary]?
    if network == .real {
      let pollen = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
      let histories = try await Figure5RealRun(
        baseline: b, netlab: netlab, pollen: pollen, dir: dir.appendingPathComponent("real")
      ).run { variant in
        print("==> \(variant.rawValue): \(b.clients) clients over the network lab, \(b.rounds) rounds")
      }
      real = histories.mapValues { b.summary(of: $0, virtual: false) }
    }
    let curve = sweep ? try await b.sweep() : []
    return b.report(virtual: virtual, real: real, sweep: curve)
  }
}
