import PollenCore
import PollenPrivacy
import PollenServer
import PollenTesting
import Synchronization

/// A proxy around an in-process client that goes away (every call throws `disconnected`) from
/// the first call of stage `dropAt` on, and records every update the server receives from it.
final class SecAggTestProxy: ClientProxy {
  let cid: String
  let inner: InProcessClientProxy
  let dropAt: SecAggPlusProtocol.Stage?
  private let gone = Mutex(false)
  /// Every fit reply's parameters handed to the server, with the stage it answered.
  let received = Mutex<[(stage: String, parameters: Parameters)]>([])
  /// Stages this proxy was sent.
  let stagesSent = Mutex<[String]>([])

  init(cid: String, client: any Client, dropAt: SecAggPlusProtocol.Stage? = nil) {
    self.cid = cid
    self.inner = InProcessClientProxy(cid: cid, client: client)
    self.dropAt = dropAt
  }

  private func check(_ stage: String?) throws {
    if let stage, stage == dropAt?.rawValue { gone.withLock { $0 = true } }
    if gone.withLock({ $0 }) { throw PollenError(.disconnected, "client \(cid) dropped out (test)") }
  }

  func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    try check(nil)
    return try await inner.getProperties(ins, timeout: timeout)
  }
  func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    try await inner.getParameters(ins, timeout: timeout)
  }
  func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    let stage = ins.config[SecAggPlusProtocol.stageKey]?.stringValue
    stagesSent.withLock { $0.append(stage ?? "plain") }
    try check(stage)
    let res = try await inner.fit(ins, timeout: timeout)
    received.withLock { $0.append((stage ?? "plain", res.parameters)) }
    return res
  }
  func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    try await inner.evaluate(ins, timeout: timeout)
  }
  func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .reconnect)
  }
}

/// A federation of `count` clients with fixed updates for the SecAgg+ tests.
struct SecAggFederation {
  static let shapes = [[3, 4], [5]]
  var updates: [[NDArray]] = []
  var weights: [Int] = []
  var proxies: [SecAggTestProxy] = []

  /// Client `i` replies with deterministic values in (−1, 1) and `10 + 7i` examples; clients in
  /// `drops` go away at their stage; clients in `plain` have no SecAgg+ middleware.
  init(count: Int, drops: [Int: SecAggPlusProtocol.Stage] = [:], plain: Set<Int> = []) {
    var rng = SeededRandom(seed: 99)
    for i in 0..<count {
      let tensors = Self.shapes.map { shape in
        NDArray((0..<shape.reduce(1, *)).map { _ in Float(rng.nextUnit() * 2 - 1) }, shape: shape)
      }
      let n = 10 + 7 * i
      updates.append(tensors)
      weights.append(n)
      let scripted = ScriptedClient(fit: .reply(parameters: tensors, numExamples: n))
      let client: any Client = plain.contains(i) ? scripted : SecAggPlusClient(scripted)
      proxies.append(SecAggTestProxy(cid: "c\(i)", client: client, dropAt: drops[i]))
    }
  }

  static var model: Parameters {
    Parameters(tensors: shapes.map { NDArray([Float](repeating: 0, count: $0.reduce(1, *)), shape: $0) })
  }

  /// The plain FedAvg of the updates of `clients`, flattened.
  func plainAverage(of clients: [Int]) -> [Double] {
    let total = clients.reduce(0.0) { $0 + Double(weights[$1]) }
    var sum = [Double](repeating: 0, count: Self.shapes.reduce(0) { $0 + $1.reduce(1, *) })
    for c in clients {
      let flat = updates[c].flatMap { $0.doubles() }
      for i in sum.indices { sum[i] += flat[i] * Double(weights[c]) / total }
    }
    return sum
  }

  func manager() async -> SimpleClientManager {
    let m = SimpleClientManager(seed: 3)
    for p in proxies { _ = await m.register(p) }
    return m
  }

  /// One round of FedAvg over every client with SecAgg+ `config`: the new global parameters
  /// (flattened) and the history.
  func runServer(_ config: SecAggPlusConfig) async throws -> (values: [Double], history: History) {
    var serverConfig = ServerConfig(numRounds: 1, roundTimeout: .seconds(30))
    serverConfig.secureAggregation = try SecAggPlusWorkflow(config)
    let strategy = FedAvg(
      fractionFit: 1, fractionEvaluate: 0, minFitClients: proxies.count, minAvailableClients: proxies.count,
      initialParameters: Self.model)
    var server = Server(clientManager: await manager(), strategy: strategy, config: serverConfig)
    let history = await server.fit()
    return (server.parameters.tensors.flatMap { $0.doubles() }, history)
  }
}

/// The largest absolute difference.
func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
  zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
