import Foundation
import PollenCore
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

  /// A float32 array holding `values`, in a buffer the census watches.
  func make(_ values: [Float]) -> NDArray {
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
    return try! NDArray(dtype: .float32, shape: [values.count], bytes: bytes)
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
    let decoded = ins.parameters.tensors.map { census.make($0.scalars(as: Float.self).map { $0 + 1 }) }
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
  static let model = [NDArray([Float](repeating: 0, count: 256), shape: [256]), NDArray([Float(0), 0])]

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

  /// Every live decoded update holds a slot, except the one whose slot was just given back while
  /// the loop lets go of it: at most `limit + 1`, however many clients.
  @Test("FedAvg holds the same small number of decoded updates for 10 and 500 clients", arguments: [10, 500])
  func fedAvgBounded(clients: Int) async {
    let (census, parameters) = await run(fedAvg(clients: clients), clients: clients)
    #expect(census.made == 2 * clients)
    #expect(census.peak <= Self.limit + 1, "peak \(census.peak) live updates for \(clients) clients")
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
      #expect(census.made == clients)
      #expect(
        census.peak <= Self.limit + 1, "\(type(of: strategy)): peak \(census.peak) for \(clients) clients")
    }
  }

  @Test("FedMedian needs every update: it keeps all of them, and the round still completes")
  func medianKeepsAll() async {
    let clients = 20
    let (census, parameters) = await run(
      FedMedian(fedAvg: fedAvg(clients: clients)), clients: clients, rounds: 1)
    #expect(census.made == clients)
    #expect(census.peak == clients)
    #expect(census.live == 0)
    #expect(parameters.tensors[0].scalars(as: Float.self).allSatisfy { $0 == 1 })
  }
}
