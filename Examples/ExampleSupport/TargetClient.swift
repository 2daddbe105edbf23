import PollenCore

/// The examples' client: "training" moves the one parameter halfway toward the client's own
/// target (its id), so the federation's answer is easy to predict — FedAvg converges to the
/// example-weighted mean of the targets.
public struct TargetClient: ArrayClient {
  public let target: Double
  public let examples: Int

  public init(id: Int) {
    target = Double(id)
    examples = 10 + id
  }

  public func getParameters(config: Config) async throws -> [NDArray] { [NDArray([0.0])] }

  public func fit(parameters: [NDArray], config: Config) async throws -> ArrayFitResult {
    let x = parameters[0].doubles()[0]
    return ArrayFitResult(parameters: [NDArray([x + (target - x) / 2])], numExamples: examples)
  }

  public func evaluate(parameters: [NDArray], config: Config) async throws -> ArrayEvaluateResult {
    let x = parameters[0].doubles()[0]
    return ArrayEvaluateResult(loss: (x - target) * (x - target), numExamples: examples)
  }
}

/// The value FedAvg converges to with clients `0..<count`: Σ nᵢ·tᵢ / Σ nᵢ.
public func weightedMeanOfTargets(clients count: Int) -> Double {
  let clients = (0..<count).map(TargetClient.init(id:))
  let total = clients.reduce(0) { $0 + $1.examples }
  return clients.reduce(0) { $0 + Double($1.examples) * $1.target } / Double(total)
}
