import Logging
import PollenCore
import PollenServer
import Synchronization

/// `pollen bench secagg`: one SecAgg+ round of `clients` in-process clients with updates of
/// `parameters` float32 values, timing each stage on the clients and on the server.
///
/// Client calls run one at a time, so a stage's client time is the sum of each client's own
/// work (key generation, sharing, masking, …; training is a no-op), while the server's time is
/// its own work on the replies (checking and summing vectors, reconstructing and removing masks).
public enum SecAggPlusBenchmark {
  /// One stage's timings.
  public struct Stage: Sendable {
    public var name: String
    public var clients: Int
    /// Seconds over all clients, and per client.
    public var clientSeconds: Double
    public var clientSecondsPerClient: Double
    public var serverSeconds: Double
    public var wallSeconds: Double
  }

  public struct Result: Sendable {
    public var stages: [Stage]
    /// The largest difference from the plain average.
    public var maxError: Double
    public var bytesSent: Int
    public var bytesReceived: Int
  }

  /// Runs one round with `config` (default: the defaults).
  public static func run(
    clients: Int, parameters: Int, config: SecAggPlusConfig = .defaults
  ) async throws -> Result {
    let workflow = try SecAggPlusWorkflow(config)
    let gate = BenchGate()
    var rng = SeededRandom(seed: 1)
    var proxies: [BenchProxy] = []
    var plain = [Double](repeating: 0, count: parameters)
    let weights = (0..<clients).map { 10 + $0 % 90 }
    let total = Double(weights.reduce(0, +))
    for i in 0..<clients {
      let values = (0..<parameters).map { _ in Float(rng.nextUnit() * 2 - 1) }
      for j in plain.indices { plain[j] += Double(values[j]) * Double(weights[i]) / total }
      let update = BenchUpdateClient(update: [NDArray(values, shape: [parameters])], numExamples: weights[i])
      proxies.append(BenchProxy(cid: "\(i)", client: SecAggPlusClient(update), gate: gate))
    }
    let model = Parameters(tensors: [NDArray([Float](repeating: 0, count: parameters), shape: [parameters])])
    let report = await workflow.run(
      serverRound: 1, instructions: proxies.map { ($0, FitIns(parameters: model)) }, parameters: model,
      timeout: nil, logger: Logger(label: "pollen.bench.secagg"))
    guard let res = report.outcome.result else {
      throw PollenError(
        .internalError, "the benchmark round failed: \(report.outcome.failures.first?.description ?? "")")
    }
    let values = res.parameters.tensors[0].doubles()
    let maxError = zip(values, plain).reduce(0) { max($0, abs($1.0 - $1.1)) }
    let clientTimes = proxies.map { $0.seconds.withLock { $0 } }
    let stages = report.stages.map { s in
      let seconds = clientTimes.reduce(0) { $0 + ($1[s.name] ?? 0) }
      return Stage(
        name: s.name, clients: s.clients, clientSeconds: seconds,
        clientSecondsPerClient: s.clients > 0 ? seconds / Double(s.clients) : 0,
        serverSeconds: s.serverSeconds,
        wallSeconds: s.seconds)
    }
    return Result(
      stages: stages, maxError: maxError, bytesSent: report.outcome.bytesSent,
      bytesReceived: report.outcome.bytesReceived)
  }
}

/// A client whose training returns a fixed update.
private struct BenchUpdateClient: Client {
  let update: [NDArray]
  let numExamples: Int

  func fit(_ ins: FitIns) async throws -> FitRes {
    FitRes(parameters: Parameters(tensors: update), numExamples: numExamples)
  }
  func evaluate(_ ins: EvaluateIns) async throws -> EvaluateRes { EvaluateRes(loss: 0, numExamples: 0) }
}

/// Lets one client call run at a time.
private actor BenchGate {
  private var busy = false
  private var waiters: [CheckedContinuation<Void, Never>] = []

  func acquire() async {
    guard busy else {
      busy = true
      return
    }
    await withCheckedContinuation { waiters.append($0) }
  }

  func release() {
    if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
  }
}

/// An in-process proxy that times its client's calls by stage.
private final class BenchProxy: ClientProxy {
  let cid: String
  let client: any Client
  let gate: BenchGate
  let seconds = Mutex<[String: Double]>([:])

  init(cid: String, client: any Client, gate: BenchGate) {
    self.cid = cid
    self.client = client
    self.gate = gate
  }

  private func timed<R: Sendable>(_ stage: String, _ body: () async throws -> R) async throws -> R {
    await gate.acquire()
    let clock = ContinuousClock()
    let start = clock.now
    let result: Result<R, any Error>
    do { result = .success(try await body()) } catch { result = .failure(error) }
    let elapsed = (clock.now - start).inSeconds
    seconds.withLock { $0[stage, default: 0] += elapsed }
    await gate.release()
    return try result.get()
  }

  func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    try await timed("negotiate") { try await client.getProperties(ins) }
  }
  func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    try await client.getParameters(ins)
  }
  func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    let stage = ins.config[SecAggPlusProtocol.stageKey]?.stringValue ?? "fit"
    return try await timed(stage) { try await client.fit(ins) }
  }
  func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    try await client.evaluate(ins)
  }
  func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .reconnect)
  }
}
