// Two ways to write a strategy: from scratch (the `Strategy` protocol's six methods), and by
// wrapping FedAvg (`FedAvgBased` forwards everything but what you override).
import ExampleSupport
import PollenCore
import PollenServer
import PollenSimulation

/// From scratch: every round trains all clients and takes the coordinate-wise *median* of
/// their updates (robust to a few wild clients), ignoring example counts.
struct MedianStrategy: Strategy {
  var initial: Parameters

  mutating func initializeParameters(clientManager: any ClientManager) async -> Parameters? { initial }

  mutating func configureFit(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [FitInstruction]
  {
    let clients = await clientManager.sample(numClients: await clientManager.numAvailable())
    return clients.map { ($0, FitIns(parameters: parameters, config: ["round": .int(Int64(serverRound))])) }
  }

  mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    guard let first = results.first?.res.parameters.tensors else { return (nil, [:]) }
    let medians = first.indices.map { layer in
      let values = results.map { $0.res.parameters.tensors[layer].doubles() }
      return NDArray(
        (0..<values[0].count).map { i in
          let sorted = values.map { $0[i] }.sorted()
          return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        })
    }
    return (Parameters(tensors: medians), ["clients": .int(Int64(results.count))])
  }

  mutating func configureEvaluate(serverRound: Int, parameters: Parameters, clientManager: any ClientManager)
    async -> [EvaluateInstruction]
  { [] }  // no federated evaluation

  mutating func aggregateEvaluate(serverRound: Int, results: [EvaluateResult], failures: [ClientFailure])
    -> (loss: Double?, metrics: Metrics)
  { (nil, [:]) }

  mutating func evaluate(serverRound: Int, parameters: Parameters) async -> (loss: Double, metrics: Metrics)?
  {
    nil
  }
}

/// Wrapping FedAvg: a server learning rate (FedAvg's average is taken only `rate` of the way).
/// `FedAvgBased` supplies sampling, configuration and evaluation from the inner `fedAvg`.
struct DampedFedAvg: FedAvgBased {
  var fedAvg: FedAvg
  var rate: Double
  var current: Parameters?

  mutating func aggregateFit(serverRound: Int, results: [FitResult], failures: [ClientFailure])
    -> (parameters: Parameters?, metrics: Metrics)
  {
    let (averaged, metrics) = fedAvg.aggregateFit(
      serverRound: serverRound, results: results, failures: failures)
    guard let averaged, let old = current ?? fedAvg.initialParameters else { return (averaged, metrics) }
    let stepped = zip(old.tensors, averaged.tensors).map { o, a in
      NDArray(zip(o.doubles(), a.doubles()).map { $0 + rate * ($1 - $0) })
    }
    current = Parameters(tensors: stepped)
    return (current, metrics)
  }
}

let clients = 9
let simulation = Simulation(config: SimulationConfig(numClients: clients)) { id in
  TargetClient(id: id).asClient()
}
let zero = Parameters(tensors: [NDArray([0.0])])

let (_, median) = await simulation.run(strategy: MedianStrategy(initial: zero), rounds: 12)
print("median strategy: \(median.tensors[0].doubles()[0])")  // → the median target, 4

let damped = DampedFedAvg(
  fedAvg: FedAvg(
    fractionEvaluate: 0, minFitClients: clients, minAvailableClients: clients, initialParameters: zero),
  rate: 0.5)
let (_, averaged) = await simulation.run(strategy: damped, rounds: 40)
print("damped FedAvg: \(averaged.tensors[0].doubles()[0])")  // → the example-weighted mean
print("weighted mean of targets: \(weightedMeanOfTargets(clients: clients))")
