import Foundation
import PollenCore
import PollenPrivacy
import PollenServer
import PollenTesting
import Synchronization
import Testing

/// Counts the update buffers that are alive: each is allocated by ``make(_:)`` and counted until
/// its last reference goes away (a `Data` deallocator), wherever the server keeps it.
final class UpdateCensus: Sendable {
  private let counts = Mutex((live: 0, peak: 0, made: 0))

  var live: Int { counts.withLock { $0.live } }
  var peak: Int { counts.withLock { $0.peak } }
  var made: Int { counts.withLock { $0.made } }

  /// A float32 array of `shape` holding `values`, in a buffer the census watches.
  func make(_ values: [Float], shape: [Int]) -> NDArray {
    let byteCount = values.count * MemoryLayout<Float>.stride
    let pointer = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    values.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: byteCount) }
    counts.withLock {
      $0.live += 1
      $0.made += 1
      $0.peak = max($0.peak, $0.live)
    }
    let bytes = Data(
      bytesNoCopy: pointer, count: byteCount,
      deallocator: .custom { pointer, _ in
        pointer.deallocate()
        self.counts.withLock { $0.live -= 1 }
      })
    return try! NDArray(dtype: .float32, shape: shape, bytes: bytes)
  }
}

/// A client reached through a transport: its reply "arrives", and the proxy takes a slot of the
/// round's update budget (``UpdateLease/current``) before decoding it into a fresh buffer, as a
/// decoding ``ClientProxy`` does. The decoded update is the global model + 1.
final class DecodingProxy: ClientProxy {
  let cid: String
  let census: UpdateCensus

  init(cid: String, census: UpdateCensus) {
    self.cid = cid
    self.census = census
  }

  func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    await Task.yield()  // the reply is on its way
    await UpdateLease.current?.acquire()
    let decoded = ins.parameters.tensors.map {
      census.make($0.scalars(as: Float.self).map { $0 + 1 }, shape: $0.shape)
    }
    return FitRes(parameters: Parameters(tensors: decoded), numExamples: 10)
  }

  func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    GetPropertiesRes()
  }
  func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    GetParametersRes(parameters: .empty)
  }
  func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    EvaluateRes(loss: 0, numExamples: 1)
  }
  func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .reconnect)
  }
}

@Suite("Streaming aggregation: live updates bounded by ServerConfig.maxBufferedUpdates")
struct BoundedUpdatesTests {
  static let limit = 3
  /// Two layers, each big enough to live in its own buffer (`Data` keeps a few bytes inline).
  static let model = [
    NDArray([Float](repeating: 0, count: 256), shape: [16, 16]), NDArray([Float](repeating: 0, count: 32)),
  ]

  /// Tensors per update.
  static var layers: Int { model.count }
  /// The most live update tensors allowed, for any number of clients: every live decoded update
  /// holds one of the `limit` slots, except the result the loop has just folded and let go of
  /// and one whose finished child task the runtime has not destroyed yet.
  static var bound: Int { layers * (limit + 2) }

  /// Runs `rounds` rounds of `strategy` over `clients` decoding proxies; returns the census and
  /// the final parameters.
  func run(_ strategy: any Strategy, clients: Int, rounds: Int = 2) async -> (UpdateCensus, Parameters) {
    let census = UpdateCensus()
    let manager = SimpleClientManager(seed: 1)
    for i in 0..<clients { await manager.register(DecodingProxy(cid: "c\(i)", census: census)) }
    var server = Server(
      clientManager: manager, strategy: strategy,
      config: ServerConfig(numRounds: rounds, maxBufferedUpdates: Self.limit))
    _ = await server.fit()
    return (census, server.parameters)
  }

  func fedAvg(clients: Int) -> FedAvg {
    FedAvg(
      fractionEvaluate: 0, minFitClients: clients, minAvailableClients: clients,
      initialParameters: Parameters(tensors: Self.model))
  }

  @Test("FedAvg holds the same small number of decoded updates for 10 and 500 clients", arguments: [10, 500])
  func fedAvgBounded(clients: Int) async {
    let (census, parameters) = await run(fedAvg(clients: clients), clients: clients)
    #expect(census.made == Self.layers * 2 * clients)
    #expect(census.peak <= Self.bound, "peak \(census.peak) live tensors for \(clients) clients")
    #expect(census.live == 0)
    for tensor in parameters.tensors { #expect(tensor.scalars(as: Float.self).allSatisfy { $0 == 2 }) }
  }

  @Test("FedAdam, FedAvgM, FedProx and the DP wrapper fold results in too", arguments: [10, 500])
  func wrappersBounded(clients: Int) async throws {
    let base = fedAvg(clients: clients)
    let strategies: [any Strategy] = [
      FedAdam(fedAvg: base), FedAvgM(fedAvg: base, serverMomentum: 0.9),
      FedProx(fedAvg: base, proximalMu: 0.1),
      try DifferentialPrivacyServerSideFixedClipping(
        base, noiseMultiplier: 0, clippingNorm: 1e6, numSampledClients: clients, seed: 1),
    ]
    for strategy in strategies {
      let (census, _) = await run(strategy, clients: clients, rounds: 1)
      #expect(census.made == Self.layers * clients)
      #expect(
        census.peak <= Self.bound,
        "\(type(of: strategy)): peak \(census.peak) live tensors for \(clients) clients")
    }
  }

  @Test("FedMedian needs every update: it keeps all of them, and the round still completes")
  func medianKeepsAll() async {
    let clients = 20
    let (census, parameters) = await run(
      FedMedian(fedAvg: fedAvg(clients: clients)), clients: clients, rounds: 1)
    #expect(census.made == Self.layers * clients)
    #expect(census.peak == Self.layers * clients)
    #expect(census.live == 0)
    #expect(parameters.tensors[0].scalars(as: Float.self).allSatisfy { $0 == 1 })
  }
}
