import Crypto
import Foundation
import PollenCore

/// One client's side of a SecAgg+ round as a state machine: each stage's request moves it on
/// (Flower's `secaggplus_mod`, `flwr/client/mod/secure_aggregation/secaggplus_mod.py`), or is
/// refused with a `PollenError` naming what was wrong. No I/O; the caller trains between
/// ``receiveShares(session:_:)`` and ``mask(_:)``.
///
/// Transitions: any → `setUp` (a setup request always starts afresh, as in Flower);
/// `setUp` → `keysShared` (share_keys); `keysShared` → `sharesReceived` → `masked`
/// (collect_masked_vectors, around the training); `masked` → `idle` (unmask). A request of
/// another session or stage is refused and the caller resets the machine to `idle`.
struct SecAggPlusClientState {
  struct Setup {
    var session: String
    var request: SecAggPlusMessages.SetupRequest
    var sk1: Curve25519.KeyAgreement.PrivateKey
    var sk2: Curve25519.KeyAgreement.PrivateKey
    var me: UInt32 { request.secureID }
  }

  struct Shared {
    var setup: Setup
    /// The private mask's seed.
    var seed: [UInt8]
    var keys: [UInt32: SecAggPlusMessages.PublicKeys]
    var shareKeys: [UInt32: SymmetricKey]
    /// Shares held for each client (this one's own included), by owner.
    var seedShares: [UInt32: ShamirSecretSharing.Share] = [:]
    var keyShares: [UInt32: ShamirSecretSharing.Share] = [:]
    /// The clients whose pairwise masks this one adds (those whose shares it received).
    var maskedWith: [UInt32] = []
  }

  enum Phase {
    case idle
    case setUp(Setup)
    case keysShared(Shared)
    case sharesReceived(Shared)
    case masked(Shared)

    var name: String {
      switch self {
      case .idle: "idle"
      case .setUp: "setup done"
      case .keysShared: "share_keys done"
      case .sharesReceived: "collect_masked_vectors in progress"
      case .masked: "collect_masked_vectors done"
      }
    }
  }

  private(set) var phase: Phase = .idle

  mutating func reset() { phase = .idle }

  private func refuse(_ stage: SecAggPlusProtocol.Stage, _ message: String) -> PollenError {
    PollenError(.invalidMessage, "SecAgg+ \(stage.rawValue): \(message)")
  }

  private func check(session: String, _ expected: String, _ stage: SecAggPlusProtocol.Stage)
    throws(PollenError)
  {
    guard session == expected else {
      throw refuse(stage, "session \(session) is not this round's (\(expected))")
    }
  }

  /// Setup: checks the parameters and makes the round's two key pairs.
  mutating func setup(session: String, _ request: SecAggPlusMessages.SetupRequest) throws(PollenError)
    -> SecAggPlusMessages.SetupReply
  {
    phase = .idle
    let r = request
    guard r.secureID > 0, r.threshold >= 1, r.numShares >= r.threshold, r.clippingRange > 0,
      r.clippingRange.isFinite, r.quantizationRange > 0, r.modulusRange > r.quantizationRange,
      r.modulusRange & (r.modulusRange - 1) == 0, r.modulusRange <= 1 << 63, r.maxWeight > 0,
      r.maxWeight.isFinite
    else { throw refuse(.setup, "invalid round parameters \(r)") }
    let setup = Setup(
      session: session, request: r, sk1: Curve25519.KeyAgreement.PrivateKey(),
      sk2: Curve25519.KeyAgreement.PrivateKey())
    phase = .setUp(setup)
    return .init(
      pk1: Array(setup.sk1.publicKey.rawRepresentation), pk2: Array(setup.sk2.publicKey.rawRepresentation))
  }

  /// Share keys: checks the neighbours' keys, draws the mask seed and encrypts one share of it
  /// and of the first private key for each neighbour.
  mutating func shareKeys(session: String, _ request: SecAggPlusMessages.ShareKeysRequest) throws(PollenError)
    -> SecAggPlusMessages.ShareKeysReply
  {
    guard case .setUp(let setup) = phase else {
      throw refuse(.shareKeys, "expected after setup, now \(phase.name)")
    }
    try check(session: session, setup.session, .shareKeys)
    let me = setup.me
    let ids = request.keys.map(\.id)
    guard Set(ids).count == ids.count, !ids.contains(0) else {
      throw refuse(.shareKeys, "repeated client ids")
    }
    guard let mine = request.keys.first(where: { $0.id == me }),
      mine.pk1 == Array(setup.sk1.publicKey.rawRepresentation),
      mine.pk2 == Array(setup.sk2.publicKey.rawRepresentation)
    else { throw refuse(.shareKeys, "this client's own public keys are missing or wrong") }
    let threshold = Int(setup.request.threshold)
    guard request.keys.count >= threshold else {
      throw refuse(
        .shareKeys,
        "\(request.keys.count) neighbours (itself included) are fewer than the threshold \(threshold)")
    }
    let allKeys = request.keys.flatMap { [$0.pk1, $0.pk2] }
    guard Set(allKeys).count == allKeys.count else {
      throw refuse(.shareKeys, "some public keys are identical")
    }
    var seed = [UInt8](repeating: 0, count: 32)
    var rng = SystemRandomNumberGenerator()
    for i in seed.indices { seed[i] = rng.next() }
    let seedShares = try ShamirSecretSharing.split(seed, threshold: threshold, holders: ids)
    let keyShares = try ShamirSecretSharing.split(
      Array(setup.sk1.rawRepresentation), threshold: threshold, holders: ids)
    var shared = Shared(
      setup: setup, seed: seed, keys: Dictionary(uniqueKeysWithValues: request.keys.map { ($0.id, $0) }),
      shareKeys: [:])
    var out: [SecAggPlusMessages.Ciphertext] = []
    for (i, peer) in request.keys.enumerated() {
      if peer.id == me {
        shared.seedShares[me] = seedShares[i]
        shared.keyShares[me] = keyShares[i]
        continue
      }
      let key = try SecAggPlusKeyAgreement.sharedKey(
        setup.sk2, peer.pk2, session: session, purpose: .shareEncryption)
      shared.shareKeys[peer.id] = key
      out.append(
        .init(
          peer: peer.id,
          bytes: try SecAggPlusKeyAgreement.sealShares(
            seedShare: seedShares[i], keyShare: keyShares[i], key: key, session: session, src: me,
            dst: peer.id)))
    }
    phase = .keysShared(shared)
    return .init(ciphertexts: out)
  }

  /// Collect masked vectors, before training: opens the shares forwarded from the neighbours.
  mutating func receiveShares(session: String, _ request: SecAggPlusMessages.CollectRequest)
    throws(PollenError)
  {
    guard case .keysShared(var shared) = phase else {
      throw refuse(.collectMaskedVectors, "expected after share_keys, now \(phase.name)")
    }
    try check(session: session, shared.setup.session, .collectMaskedVectors)
    let me = shared.setup.me
    var sources: [UInt32] = []
    for c in request.ciphertexts {
      guard let key = shared.shareKeys[c.peer], !sources.contains(c.peer) else {
        throw refuse(
          .collectMaskedVectors, "shares from client \(c.peer), which is not a neighbour (or twice)")
      }
      let (seedShare, keyShare) = try SecAggPlusKeyAgreement.openShares(
        c.bytes, key: key, session: session, src: c.peer, dst: me)
      guard seedShare.x == me, keyShare.x == me else {
        throw refuse(.collectMaskedVectors, "client \(c.peer) sent shares for another holder")
      }
      shared.seedShares[c.peer] = seedShare
      shared.keyShares[c.peer] = keyShare
      sources.append(c.peer)
    }
    let threshold = Int(shared.setup.request.threshold)
    guard sources.count + 1 >= threshold else {
      throw refuse(
        .collectMaskedVectors,
        "shares of \(sources.count) neighbours (+ its own) are fewer than the threshold \(threshold)")
    }
    shared.maskedWith = sources
    phase = .sharesReceived(shared)
  }

  /// Collect masked vectors, after training: the weighted, quantized, masked update of `res`
  /// as the reply's single tensor, and the layout for the server.
  mutating func mask(_ res: FitRes) throws(PollenError) -> (
    tensor: NDArray, reply: SecAggPlusMessages.CollectReply
  ) {
    guard case .sharesReceived(let shared) = phase else {
      throw refuse(.collectMaskedVectors, "no shares received, now \(phase.name)")
    }
    let p = shared.setup.request
    let tensors = res.parameters.tensors
    let q = SecAggPlusQuantization.quantizedWeight(
      numExamples: res.numExamples, maxWeight: p.maxWeight, quantizationRange: p.quantizationRange)
    if Double(res.numExamples) > p.maxWeight {
      privacyLogger.warning(
        "SecAgg+: the weight \(res.numExamples) exceeds max_weight \(p.maxWeight); the sum may overflow")
    }
    let ratio = Double(q) / Double(p.quantizationRange)
    var values: [Double] = []
    values.reserveCapacity(res.parameters.scalarCount)
    for t in tensors { values += t.doubles().map { $0 * ratio } }
    var rng = SecAggKeystreamGenerator()
    var vector =
      [q]
      + SecAggPlusQuantization.quantize(
        values, clippingRange: p.clippingRange, quantizationRange: p.quantizationRange, using: &rng)
    let modulus = p.modulusRange
    for i in vector.indices { vector[i] &= modulus - 1 }
    SecAggPlusMasks.apply(seed: SymmetricKey(data: shared.seed), .add, to: &vector, modulus: modulus)
    let me = p.secureID
    for peer in shared.maskedWith {
      guard let keys = shared.keys[peer] else { continue }
      let key = try SecAggPlusKeyAgreement.sharedKey(
        shared.setup.sk1, keys.pk1, session: shared.setup.session, purpose: .pairwiseMask)
      SecAggPlusMasks.apply(seed: key, me > peer ? .add : .subtract, to: &vector, modulus: modulus)
    }
    phase = .masked(shared)
    let tensor =
      modulus <= 1 << 32
      ? NDArray(vector.map { UInt32(truncatingIfNeeded: $0) }, shape: [vector.count])
      : NDArray(vector, shape: [vector.count])
    return (tensor, .init(shapes: tensors.map(\.shape), dtypes: tensors.map(\.dtype)))
  }

  /// Unmask: the seed shares of the named survivors and the key shares of the named dropped
  /// clients — never both for one client, and only of clients whose shares this one holds.
  mutating func unmask(session: String, _ request: SecAggPlusMessages.UnmaskRequest) throws(PollenError)
    -> SecAggPlusMessages.UnmaskReply
  {
    guard case .masked(let shared) = phase else {
      throw refuse(.unmask, "expected after collect_masked_vectors, now \(phase.name)")
    }
    try check(session: session, shared.setup.session, .unmask)
    let active = Set(request.active)
    let dead = Set(request.dead)
    guard active.count == request.active.count, dead.count == request.dead.count,
      active.isDisjoint(with: dead)
    else { throw refuse(.unmask, "a client is named twice, or both survived and dropped") }
    guard !dead.contains(shared.setup.me) else { throw refuse(.unmask, "this client is named as dropped") }
    guard dead.isSubset(of: shared.maskedWith) else {
      throw refuse(.unmask, "key shares asked of clients this one did not mask with")
    }
    var shares: [(owner: UInt32, share: ShamirSecretSharing.Share)] = []
    for id in request.active {
      guard let s = shared.seedShares[id] else { throw refuse(.unmask, "no share held of client \(id)") }
      shares.append((id, s))
    }
    for id in request.dead {
      guard let s = shared.keyShares[id] else { throw refuse(.unmask, "no share held of client \(id)") }
      shares.append((id, s))
    }
    phase = .idle
    return .init(shares: shares)
  }
}
