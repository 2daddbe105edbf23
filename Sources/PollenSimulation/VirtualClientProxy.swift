import PollenCore
import Synchronization

/// Shared machinery of a simulation's proxies: the client factory, the concurrency limit,
/// optional wire serialisation and dropout.
final class VirtualClientEngine: Sendable {
  let factory: ClientFactory
  let limiter: ConcurrencyLimiter
  let config: SimulationConfig
  /// Simulated time, charged when ``SimulationConfig/profiles`` is set.
  let clock = VirtualClock()
  /// Calls made so far per client id (only clients that were sampled appear).
  private let calls = Mutex<[Int: UInt64]>([:])
  /// The clients built this run, with ``SimulationConfig/ClientLifetime/run``.
  private let built = Mutex<[Int: any Client]>([:])

  /// Starts a new run: dropout draws, the virtual clock and kept clients begin afresh.
  func reset() {
    calls.withLock { $0 = [:] }
    built.withLock { $0 = [:] }
    clock.reset()
  }

  /// Client `id`: from the factory, or (``SimulationConfig/ClientLifetime/run``) the one built
  /// the first time this run asked for it.
  private func client(_ id: Int) async throws -> any Client {
    guard config.clientLifetime == .run else { return try await factory(id) }
    if let kept = built.withLock({ $0[id] }) { return kept }
    let made = try await factory(id)
    // Two first calls at once may both build; the first one kept wins, as if built once.
    return built.withLock { built in
      if let kept = built[id] { return kept }
      built[id] = made
      return made
    }
  }

  init(factory: @escaping ClientFactory, config: SimulationConfig) {
    self.factory = factory
    self.config = config
    self.limiter = ConcurrencyLimiter(capacity: config.concurrency)
  }

  /// Runs one call of client `id`: waits for a slot, maybe drops out, creates the client, and
  /// serialises the parameters both ways when asked to. The client runs on
  /// ``ClientWorkExecutor``'s threads, off the cooperative pool.
  func call<R: Sendable>(
    _ id: Int, _ what: String, _ body: @escaping @Sendable (any Client) async throws -> R
  ) async throws -> R {
    if config.dropoutProbability > 0 {
      // Seeded by (client, its call number): the same calls drop out in every run of a seed.
      let n = calls.withLock { c -> UInt64 in
        c[id, default: 0] += 1
        return c[id]!
      }
      var rng = SeededRandom.derived(seed: config.seed ^ (n &* 0x9E37_79B9_7F4A_7C15), stream: UInt64(id))
      if rng.nextUnit() < config.dropoutProbability {
        throw PollenError(.disconnected, "client \(id) dropped out during \(what) (simulated)")
      }
    }
    return try await limiter.withUnits(config.clientResourceWeight) {
      try await withTaskExecutorPreference(ClientWorkExecutor.shared) {
        try await body(try await self.client(id))
      }
    }
  }

  /// Parameters as they would arrive after a trip through the wire codec.
  func wire(_ p: Parameters) throws -> Parameters {
    guard config.serializeMessages else { return p }
    return Parameters(tensors: try p.tensors.map { try NDArray(npy: $0.npy()) }, tensorType: p.tensorType)
  }
}

/// A `ClientProxy` for virtual client `id`: the client is created for each call and dropped
/// after it, so idle clients cost nothing.
public final class VirtualClientProxy: ClientProxy {
  public let id: Int
  public let cid: String
  let engine: VirtualClientEngine

  init(id: Int, engine: VirtualClientEngine) {
    self.id = id
    self.cid = String(id)
    self.engine = engine
  }

  public func getProperties(_ ins: GetPropertiesIns, timeout: Duration?) async throws -> GetPropertiesRes {
    try await engine.call(id, "get_properties") { try await $0.getProperties(ins) }
  }

  public func getParameters(_ ins: GetParametersIns, timeout: Duration?) async throws -> GetParametersRes {
    try await engine.call(id, "get_parameters") { [engine] in
      var res = try await $0.getParameters(ins)
      res.parameters = try engine.wire(res.parameters)
      return res
    }
  }

  public func fit(_ ins: FitIns, timeout: Duration?) async throws -> FitRes {
    var ins = ins
    let config = engine.config
    var profile: ClientProfile?
    var limit: Double?
    if let profiles = config.profiles {
      let p = profiles.profile(for: id)
      guard engine.clock.isAvailable(id, availability: p.availability, seed: config.seed) else {
        throw PollenError(
          .disconnected, "client \(id) unavailable for fit (simulated availability \(p.availability))")
      }
      profile = p
      limit = VirtualClock.timeLimit(cutoff: config.cutoff, config: ins.config)
      if let limit, config.partialWork {
        let cap = p.maxExamples(within: limit)
        ins.config["max_examples"] = .int(Int64(min(cap, ins.config["max_examples"]?.intValue ?? cap)))
      }
      // The limit is simulated time, now in max_examples: the client must not also apply it
      // to its real (much shorter) training time.
      ins.config[SimulationConfig.timeoutConfigKey] = nil
    }
    let downloadBytes = ins.parameters.byteCount
    let res = try await engine.call(id, "fit") { [engine, ins] client in
      var ins = ins
      ins.parameters = try engine.wire(ins.parameters)
      var res = try await client.fit(ins)
      res.parameters = try engine.wire(res.parameters)
      return res
    }
    if let profile {
      if let limit, !config.partialWork {
        let work = VirtualClock.computeSeconds(profile: profile, ins: ins, res: res)
        if work > limit {
          // It trained until the limit and still sent its reply, which the server then
          // discards (as a real client under `DiscardPartialWork` does).
          engine.clock.charge(
            VirtualClock.fitSeconds(
              profile: profile, ins: ins, res: res, downloadBytes: downloadBytes, timeLimit: limit))
          throw PollenError(
            .timeout,
            "client \(id) did not finish its local work within \(limit) simulated seconds (needed \(work)): update discarded"
          )
        }
      }
      engine.clock.charge(
        VirtualClock.fitSeconds(
          profile: profile, ins: ins, res: res, downloadBytes: downloadBytes, timeLimit: limit))
    }
    return res
  }

  public func evaluate(_ ins: EvaluateIns, timeout: Duration?) async throws -> EvaluateRes {
    try await engine.call(id, "evaluate") { [engine] client in
      var ins = ins
      ins.parameters = try engine.wire(ins.parameters)
      return try await client.evaluate(ins)
    }
  }

  public func reconnect(_ ins: ReconnectIns, timeout: Duration?) async throws -> DisconnectRes {
    DisconnectRes(reason: .reconnect)
  }
}
