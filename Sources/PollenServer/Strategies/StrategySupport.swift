import Logging
import PollenCore

/// The logger of the strategies built on ``FedAvg``.
let strategyLogger = Logger.pollen("pollen.strategy")

extension FedAvgBased {
  /// Aggregates all results at once with `rule` (for strategies that cannot fold results in as
  /// they arrive): Flower's guards first (some results; no failures unless accepted), then the
  /// rule; an error of the rule is logged and the round keeps the old model (Flower would raise
  /// and stop the run).
  mutating func aggregateAll(
    _ name: String, serverRound: Int, results: [FitResult], failures: [ClientFailure],
    _ rule: ([(arrays: [NDArray], numExamples: Int)]) throws -> [NDArray]
  ) -> (parameters: Parameters?, metrics: Metrics) {
    guard fedAvg.shouldAggregate(results: results, failures: failures) else { return (nil, [:]) }
    let aggregated: [NDArray]
    do {
      aggregated = try rule(results.map { ($0.res.parameters.tensors, $0.res.numExamples) })
    } catch {
      strategyLogger.error("\(name) round \(serverRound): cannot aggregate: \(error)")
      return (nil, [:])
    }
    return (
      Parameters(tensors: aggregated), fedAvg.aggregateFitMetrics(serverRound: serverRound, results: results)
    )
  }
}
