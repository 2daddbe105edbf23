import Logging
import PollenCore
import PollenData
import PollenServer
import PollenSimulation

/// FedAvg against FedProx (μ ∈ {0, 0.01, 1}) with stragglers, as in the FedProx paper (Li et al.
/// 2018, Figure 1): synthetic(1,1) data, multinomial logistic regression, 50% of the sampled
/// clients straggling each round. FedAvg drops its stragglers; FedProx keeps their partial work
/// (fewer local epochs). The paper's qualitative result: with μ > 0 training is more stable.
public struct BaselineFedProx: Sendable {
  public var job: SimulationJob.Options
  /// The proximal terms compared.
  public var mus: [Double]

  /// One run's outcome.
  public struct Result: Sendable {
    /// `fedavg (drop stragglers)` or `fedprox μ=…`.
    public var name: String
    public var history: History
    /// The global model's loss on data drawn from the clients' distributions (the centralised
    /// evaluation), per round: the FedProx paper's "training loss" of the global objective.
    public var globalLoss: [(round: Int, loss: Double)] { history.lossesCentralized.filter { $0.round > 0 } }
    /// The last round's global loss.
    public var finalLoss: Double? { globalLoss.last?.loss }
    /// How much the global loss jumps from round to round: the mean absolute change over the
    /// second half of the run (smaller is more stable).
    public var instability: Double? {
      let l = globalLoss.map(\.loss)
      let tail = Array(l.suffix(max(2, l.count / 2)))
      guard tail.count >= 2 else { return nil }
      return zip(tail.dropFirst(), tail).map { abs($0 - $1) }.reduce(0, +) / Double(tail.count - 1)
    }
  }

  public init(rounds: Int = 40, stragglers: Double = 0.5, seed: UInt64 = 0, mus: [Double] = [0, 0.01, 1]) {
    var o = SimulationJob.Options.defaults
    o.dataset = .synthetic(alpha: 1, beta: 1)
    o.clients = 30
    o.fractionFit = 1.0 / 3
    o.fractionEvaluate = 0
    o.model = .logreg
    o.rounds = rounds
    o.localEpochs = 20
    o.batchSize = 10
    o.learningRate = 0.01
    o.stragglers = stragglers
    o.seed = seed
    job = o
    self.mus = mus
  }

  /// Runs FedAvg (stragglers dropped), then FedProx with each μ (partial work kept).
  public func run(logger: Logger = .pollen("pollen.baseline.fedprox")) async throws -> [Result] {
    var results: [Result] = []
    var fedavg = job
    fedavg.strategy = "fedavg"
    fedavg.stragglerMode = .drop
    results.append(
      Result(
        name: "fedavg (drops stragglers)",
        history: try await SimulationJob(options: fedavg, logger: logger).run().history))
    for mu in mus {
      var o = job
      o.strategy = "fedprox"
      o.strategyOptions = ["proximal_mu": "\(mu)"]
      o.stragglerMode = .partialWork
      results.append(
        Result(
          name: "fedprox μ=\(mu)", history: try await SimulationJob(options: o, logger: logger).run().history)
      )
    }
    return results
  }

  /// The results as a table with training-loss and accuracy charts.
  public func report(_ results: [Result]) -> ComparisonReport {
    let runs = results.map { ($0.name, $0.history) }
    func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
    return ComparisonReport(
      title: "Baseline fedprox — \(Int(job.stragglers * 100))% stragglers",
      summary:
        "\(job.dataset), \(job.clients) clients, \(Int((job.fractionFit * Double(job.clients)).rounded())) per round, "
        + "\(job.model), E = \(job.localEpochs) local epochs (stragglers run 1…E−1), lr \(job.learningRate), "
        + "\(job.rounds) rounds. Global loss: the global model on held-out data of the clients' distributions. "
        + "Instability: mean |Δ global loss| between rounds over the second half.",
      columns: ["run", "final global loss", "instability", "final accuracy", "failures"],
      rows: results.map { r in
        [
          r.name, f(r.finalLoss), f(r.instability),
          f(r.history.metricsCentralized["accuracy"]?.last?.value.doubleValue),
          "\(r.history.failures.count)",
        ]
      },
      plots: [
        ComparisonReport.plot(title: "Global loss", yLabel: "loss", runs: runs) { h in
          h.lossesCentralized.filter { $0.round > 0 }.map { (Double($0.round), min($0.loss, 1e6)) }
        },
        ComparisonReport.plot(title: "Clients' local training loss", yLabel: "loss", runs: runs) { h in
          SVGPlot.points(h.metricsDistributedFit["loss"]).map { ($0.x, min($0.y, 1e6)) }
        },
        ComparisonReport.plot(title: "Centralised accuracy", yLabel: "accuracy", runs: runs) {
          SVGPlot.points($0.metricsCentralized["accuracy"])
        },
      ])
  }
}
