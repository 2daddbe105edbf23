import Logging
import PollenCore

/// The standard client manager: a dictionary of connected clients and uniform sampling.
///
/// Sampling is reproducible when a `seed` is given (the registration order is kept, so the same
/// clients in the same order give the same sample).
public actor SimpleClientManager: ClientManager {
  private var clients: [String: any ClientProxy] = [:]
  private var order: [String] = []
  private var rng: SeededRandom
  private let logger: Logger
  /// How long `sample` waits for `minNumClients` (Flower waits a day).
  public let sampleWaitTimeout: Duration

  public init(
    seed: UInt64? = nil, sampleWaitTimeout: Duration = .seconds(86_400),
    logger: Logger = Logger(label: "pollen.clientmanager")
  ) {
    self.rng = SeededRandom(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    self.sampleWaitTimeout = sampleWaitTimeout
    self.logger = logger
  }

  public func numAvailable() -> Int { clients.count }

  @discardableResult
  public func register(_ client: any ClientProxy) -> Bool {
    guard clients[client.cid] == nil else { return false }
    clients[client.cid] = client
    order.append(client.cid)
    return true
  }

  public func unregister(_ client: any ClientProxy) {
    guard clients.removeValue(forKey: client.cid) != nil else { return }
    if let i = order.firstIndex(of: client.cid) { order.remove(at: i) }
  }

  public func all() -> [String: any ClientProxy] { clients }

  public func waitFor(numClients: Int, timeout: Duration?) async -> Bool {
    let clock = ContinuousClock()
    let deadline = timeout.map { clock.now.advanced(by: $0) }
    while clients.count < numClients {
      if let deadline, clock.now >= deadline { return false }
      do { try await Task.sleep(for: .milliseconds(20)) } catch { return false }
    }
    return true
  }

  public func sample(numClients: Int, minNumClients: Int?, criterion: (any ClientCriterion)?) async
    -> [any ClientProxy]
  {
    _ = await waitFor(numClients: minNumClients ?? numClients, timeout: sampleWaitTimeout)
    var available = order
    if let criterion { available = available.filter { criterion.select(clients[$0]!) } }
    guard numClients <= available.count else {
      logger.info(
        "Sampling failed: number of available clients (\(available.count)) is less than number of requested clients (\(numClients))."
      )
      return []
    }
    return rng.sampleIndices(numClients, from: available.count).map { clients[available[$0]]! }
  }
}
