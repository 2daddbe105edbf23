import PollenCore
import PollenServer
import Synchronization

/// Creates the client with the given id (`0..<numClients`). Called each time a client is sampled,
/// so a population of any size costs memory only for the clients in use.
public typealias ClientFactory = @Sendable (Int) async throws -> any Client

/// A client manager over a population of virtual clients `0..<numClients`.
///
/// Nothing is stored per client: sampling draws ids (seeded, without replacement) and returns
/// fresh ``VirtualClientProxy``s. ``all()`` returns only the proxies handed out most recently.
public final class VirtualClientManager: ClientManager {
  public let numClients: Int
  let engine: VirtualClientEngine
  let state: Mutex<(rng: SeededRandom, recent: [String: any ClientProxy])>

  let seed: UInt64

  init(engine: VirtualClientEngine, numClients: Int, seed: UInt64) {
    self.engine = engine
    self.numClients = numClients
    self.seed = seed
    self.state = Mutex((SeededRandom(seed: seed), [:]))
    ServerMetrics.connectedClients(numClients)
  }

  /// Starts a new run: sampling from the seed again, dropout and the virtual clock afresh.
  func reset() {
    state.withLock { $0 = (SeededRandom(seed: seed), [:]) }
    engine.reset()
  }

  public func numAvailable() async -> Int { numClients }
  /// Virtual clients are not registered one by one; returns `false`.
  public func register(_ client: any ClientProxy) async -> Bool { false }
  public func unregister(_ client: any ClientProxy) async {}
  public func all() async -> [String: any ClientProxy] { state.withLock { $0.recent } }
  public func waitFor(numClients n: Int, timeout: Duration?) async -> Bool { n <= numClients }

  public func sample(numClients k: Int, minNumClients: Int?, criterion: (any ClientCriterion)?) async
    -> [any ClientProxy]
  {
    guard k <= numClients, k > 0 else { return [] }
    return state.withLock { s -> [any ClientProxy] in
      var chosen: [any ClientProxy] = []
      var chosenIDs = Set<Int>()
      var tries = 0
      // With a criterion, draw in batches until enough pass (bounded so it always ends).
      while chosen.count < k && tries < 64 {
        tries += 1
        let ids = s.rng.sampleIndices(
          min(numClients, k - chosen.count + (criterion == nil ? 0 : k)), from: numClients)
        for id in ids where chosen.count < k && !chosenIDs.contains(id) {
          let proxy = VirtualClientProxy(id: id, engine: engine)
          if criterion?.select(proxy) ?? true {
            chosen.append(proxy)
            chosenIDs.insert(id)
          }
        }
        if criterion == nil { break }
      }
      guard chosen.count == k else { return [] }
      s.recent = Dictionary(uniqueKeysWithValues: chosen.map { ($0.cid, $0) })
      return chosen
    }
  }
}
