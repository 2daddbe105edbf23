import PollenServer

/// How a simulation runs its virtual clients.
public struct SimulationConfig: Sendable {
  /// The number of virtual clients (they are created only when sampled).
  public var numClients: Int
  /// How many resource units run at once (default: the number of cores).
  public var concurrency: Int
  /// The resource units one client call occupies (Flower's `client_resources`), 1…concurrency.
  public var clientResourceWeight: Int
  /// Seeds sampling and dropout.
  public var seed: UInt64
  /// Encode and decode every tensor through the `.npy` wire codec, to measure its cost.
  public var serializeMessages: Bool
  /// Probability that a client call fails as if the client dropped out (0 = never).
  public var dropoutProbability: Double
  /// Device and network profiles: with them, each fit call is charged simulated time on a
  /// virtual clock (see `History/simulatedTime`) and may fail with probability
  /// `1 − availability`. `nil` (the default) charges nothing.
  public var profiles: ClientProfiles?
  /// The per-client compute cut-off `τ` in simulated seconds (the paper's §7.3): each fit call
  /// gets config `max_examples = floor(τ · examplesPerSecond)` so local training stops at `τ`.
  /// Needs ``profiles``.
  public var cutoff: Double?
  /// What a fit call that cannot finish its work within its time limit (``cutoff`` or a
  /// `timeout` config key) returns. `true` (the default): the work done by then — partial work,
  /// weighted by the examples processed (FedFS, FedProx). `false`: nothing — the update is
  /// discarded and the call fails with a timeout after `download + limit + upload` simulated
  /// seconds (the client still answers; the server drops the answer), as the Flower paper's
  /// FedAvg with timeout `Δ` (Appendix A.2, "Partial work").
  public var partialWork: Bool
  /// How long a virtual client built by the client factory lives (default ``ClientLifetime/call``).
  public var clientLifetime: ClientLifetime
  /// Secure aggregation of the fit rounds (`ServerConfig/secureAggregation`, e.g.
  /// PollenPrivacy's `SecAggPlusWorkflow`; the clients need its middleware); `nil`: none.
  public var secureAggregation: (any SecureFitWorkflow)? = nil

  /// How long a virtual client lives.
  public enum ClientLifetime: Sendable, Hashable {
    /// The factory builds the client for each call (fit, evaluate, …) and it is dropped after:
    /// what Flower's simulation does with `client_fn`, and what lets a population of millions
    /// cost memory only for the clients at work. State a client needs across rounds must come
    /// from its id (seeded data, as the examples do) or live outside it.
    case call
    /// The factory builds each client the first time a run needs it and the run keeps it (its
    /// data, its optimiser state) for every later call; a new run builds afresh. Memory grows
    /// with the clients sampled so far — for populations that fit in memory.
    case run
  }

  /// The config key of a per-call compute time limit in seconds (FedFS's `Δ`). With
  /// ``profiles``, the simulator turns it (and ``cutoff``, whichever is smaller) into
  /// `max_examples = floor(limit · examplesPerSecond)` for the client, which reports the examples
  /// it processed, and removes `timeout` from the client's config. Without profiles the client
  /// sees `timeout` and stops after that many real seconds (PollenNN's `TrainingClient` does).
  public static let timeoutConfigKey = "timeout"

  public init(
    numClients: Int, concurrency: Int = SimulationConfig.defaultConcurrency, clientResourceWeight: Int = 1,
    seed: UInt64 = 0, serializeMessages: Bool = false, dropoutProbability: Double = 0,
    profiles: ClientProfiles? = nil, cutoff: Double? = nil, partialWork: Bool = true,
    clientLifetime: ClientLifetime = .call
  ) {
    self.partialWork = partialWork
    self.clientLifetime = clientLifetime
    self.profiles = profiles
    self.cutoff = cutoff
    self.numClients = numClients
    self.concurrency = max(1, concurrency)
    self.clientResourceWeight = min(max(1, clientResourceWeight), max(1, concurrency))
    self.seed = seed
    self.serializeMessages = serializeMessages
    self.dropoutProbability = dropoutProbability
  }

  /// The number of active processors.
  public static var defaultConcurrency: Int { ProcessorCount.active }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The machine's processor count, without Foundation.
enum ProcessorCount {
  static var active: Int {
    #if canImport(Glibc) || canImport(Darwin)
      return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    #else
      return 1
    #endif
  }
}
