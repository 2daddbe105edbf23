import Logging
import PollenCore

/// The standard client manager: a dictionary of connected clients and uniform sampling.
///
/// Sampling is reproducible when a `seed` is given (the registration order is kept, so the same
/// clients in the same order give the same sample). Only clients that are
/// `ClientProxy/isAvailable` are counted, waited for and sampled; ``waitFor(numClients:timeout:)``
/// suspends until a ``register(_:)`` or ``availabilityChanged(of:)`` brings enough of them.
public actor SimpleClientManager: ClientManager {
  private var clients: [String: any ClientProxy] = [:]
  private var order: [String] = []
  var rng: SeededRandom
  private let logger: Logger
  /// How long `sample` waits for `minNumClients` (Flower waits a day).
  public let sampleWaitTimeout: Duration
  /// Tasks in ``waitFor(numClients:timeout:)``.
  private let waiters = AvailabilityWaiters()

  public init(
    seed: UInt64? = nil, sampleWaitTimeout: Duration = .seconds(86_400),
    logger: Logger = .pollen("pollen.clientmanager")
  ) {
    self.rng = SeededRandom(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    self.sampleWaitTimeout = sampleWaitTimeout
    self.logger = logger
  }

  public func numAvailable() -> Int { clients.values.count(where: { $0.isAvailable }) }

  @discardableResult
  public func register(_ client: any ClientProxy) -> Bool {
    guard clients[client.cid] == nil else { return false }
    clients[client.cid] = client
    order.append(client.cid)
    waiters.available(numAvailable())
    ServerMetrics.connectedClients(clients.count)
    return true
  }

  public func unregister(_ client: any ClientProxy) {
    guard clients.removeValue(forKey: client.cid) != nil else { return }
    if let i = order.firstIndex(of: client.cid) { order.remove(at: i) }
    ServerMetrics.connectedClients(clients.count)
  }

  public func all() -> [String: any ClientProxy] { clients }

  /// Waits until `numClients` clients are available: resumed by ``register(_:)`` and
  /// ``availabilityChanged(of:)``, `false` when `timeout` passes or the task is cancelled first.
  public func waitFor(numClients: Int, timeout: Duration?) async -> Bool {
    if numAvailable() >= numClients { return true }
    let waiters = self.waiters
    let id = waiters.add(need: numClients)
    return await withTaskCancellationHandler {
      await withTaskGroup(of: Void.self) { group in
        if let timeout {
          group.addTask {
            if (try? await Task.sleep(for: timeout)) != nil { waiters.resolve(id, false) }
          }
        }
        let satisfied = await waiters.wait(id)
        group.cancelAll()
        return satisfied
      }
    } onCancel: {
      waiters.resolve(id, false)
    }
  }

  /// Resumes the waiters that the client's return to availability satisfies.
  ///
  /// `nonisolated async`, like the protocol's default, so that a call on a concrete
  /// `SimpleClientManager` picks this method rather than the default.
  public nonisolated func availabilityChanged(of client: any ClientProxy) async {
    await wakeWaiters(after: client)
  }

  private func wakeWaiters(after client: any ClientProxy) {
    guard clients[client.cid] != nil else { return }
    waiters.available(numAvailable())
  }

  public func sample(numClients: Int, minNumClients: Int?, criterion: (any ClientCriterion)?) async
    -> [any ClientProxy]
  {
    _ = await waitFor(numClients: minNumClients ?? numClients, timeout: sampleWaitTimeout)
    var available = order.filter { clients[$0]!.isAvailable }
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
