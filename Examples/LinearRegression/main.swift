// Federated linear regression in simulation: 20 virtual clients, each with its own noisy
// samples of y = 3x + 1, train (w, b) by gradient descent; FedAvg averages them.
import PollenCore
import PollenServer
import PollenSimulation

/// One client: a linear model trained on its own synthetic data, like a Flower NumPyClient.
struct LinearRegressionClient: ArrayClient {
  let xs: [Double]
  let ys: [Double]

  /// The client's data: 50 points with Gaussian noise, seeded by the client's id.
  init(id: Int) {
    var random = SeededRandom(seed: UInt64(id) + 1)
    xs = (0..<50).map { _ in random.nextUnit() * 2 - 1 }
    ys = xs.map { 3 * $0 + 1 + 0.1 * random.nextGaussian() }
  }

  func getParameters(config: Config) async throws -> [NDArray] {
    [NDArray([0.0]), NDArray([0.0])]  // w, b
  }

  func fit(parameters: [NDArray], config: Config) async throws -> ArrayFitResult {
    var w = parameters[0].doubles()[0]
    var b = parameters[1].doubles()[0]
    let lr = config["lr"]?.doubleValue ?? 0.1
    for _ in 0..<10 {  // local epochs of full-batch gradient descent
      var gw = 0.0
      var gb = 0.0
      for (x, y) in zip(xs, ys) {
        let error = w * x + b - y
        gw += 2 * error * x / Double(xs.count)
        gb += 2 * error / Double(xs.count)
      }
      w -= lr * gw
      b -= lr * gb
    }
    return ArrayFitResult(parameters: [NDArray([w]), NDArray([b])], numExamples: xs.count)
  }

  func evaluate(parameters: [NDArray], config: Config) async throws -> ArrayEvaluateResult {
    let w = parameters[0].doubles()[0]
    let b = parameters[1].doubles()[0]
    let mse = zip(xs, ys).map { x, y in (w * x + b - y) * (w * x + b - y) }.reduce(0, +) / Double(xs.count)
    return ArrayEvaluateResult(loss: mse, numExamples: xs.count, metrics: ["mse": .double(mse)])
  }
}

let strategy = FedAvg(
  fractionFit: 0.5, fractionEvaluate: 0.5,
  onFitConfig: { _ in ["lr": .double(0.1)] },
  evaluateMetricsAggregation: Aggregation.weightedNumericMetricAverages)  // Σ nᵢ·mᵢ / Σ nᵢ per metric
let simulation = Simulation(config: SimulationConfig(numClients: 20, seed: 7)) { id in
  LinearRegressionClient(id: id).asClient()
}
let (history, parameters) = await simulation.run(strategy: strategy, rounds: 30)
let w = parameters.tensors[0].doubles()[0]
let b = parameters.tensors[1].doubles()[0]
let mse = history.metricsDistributed["mse"]?.last?.value.doubleValue ?? .nan
print("learned w = \(w), b = \(b); mse \(mse)")
