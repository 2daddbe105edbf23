import PollenCore

/// Which virtual clients are malicious, and how they attack: a seeded choice of
/// `round(fraction · numClients)` client ids.
public struct Attackers: Sendable {
  /// The attack every malicious client mounts.
  public var attack: Attack
  /// The share of clients that attack, in 0…1.
  public var fraction: Double
  /// The malicious client ids.
  public let ids: Set<Int>
  private let seed: UInt64

  /// Chooses the attackers among `numClients` clients.
  /// - Throws: `PollenError` `.invalidArgument` unless `fraction` is in 0…1.
  public init(fraction: Double, attack: Attack, numClients: Int, seed: UInt64) throws {
    guard (0...1).contains(fraction) else {
      throw PollenError(.invalidArgument, "the attackers' fraction must be in 0…1, not \(fraction)")
    }
    self.attack = attack
    self.fraction = fraction
    self.seed = seed
    let count = min(numClients, Int((fraction * Double(numClients)).rounded()))
    var rng = SeededRandom.derived(seed: seed, stream: 0xA77AC4)
    ids = Set(rng.sampleIndices(count, from: numClients))
  }

  /// Whether client `id` attacks.
  public func contains(_ id: Int) -> Bool { ids.contains(id) }

  /// `client`, poisoned if `id` is an attacker.
  public func wrap(_ client: any Client, id: Int) -> any Client {
    contains(id)
      ? PoisonedClient(wrapped: client, attack: attack, seed: seed &+ UInt64(id) &* 0x9E37_79B9) : client
  }
}

/// A client that trains honestly, then sends a poisoned update (see ``Attack``). Its example
/// count, metrics and evaluation stay honest-looking.
public struct PoisonedClient: ClientDecorator {
  public let wrapped: any Client
  public let attack: Attack
  public let seed: UInt64

  public init(wrapped: any Client, attack: Attack, seed: UInt64) {
    self.wrapped = wrapped
    self.attack = attack
    self.seed = seed
  }

  public func fit(_ ins: FitIns) async throws -> FitRes {
    var res = try await wrapped.fit(ins)
    guard res.status.code == .ok else { return res }
    let round = UInt64(max(0, ins.config["server_round"]?.intValue ?? 0))
    res.parameters.tensors = try attack.poison(
      trained: res.parameters.tensors, global: ins.parameters.tensors, seed: seed &+ round)
    return res
  }
}
