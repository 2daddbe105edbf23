import PollenCore

/// The server's side of one SecAgg+ round as a pure state machine: who is still in, who is
/// whose neighbour, which encrypted shares went where, and which secrets unmasking needs. No I/O
/// and no cryptography; ``SecAggPlusWorkflow`` drives it.
///
/// Clients are the round's secure ids 1…n. A client lost at any stage is dropped without
/// ending the round while every remaining client's secrets can still be reconstructed:
/// - setup: the ring of neighbours is built over the clients that answered, so a client lost
///   here costs nothing;
/// - share_keys: only shares between two clients that both answered are forwarded, and clients
///   left with fewer than `threshold` share holders are dropped before anyone masks (Flower
///   instead aborts the round when a client is lost before sending its shares);
/// - collect_masked_vectors: a client that masked with a lost one is unmasked with the lost
///   one's reconstructed key (exactly the pairs whose shares were forwarded);
/// - unmask: a survivor lost here is still in the sum; its seed comes from others' shares.
struct SecAggPlusRound {
  let numShares: Int
  let threshold: Int
  /// Every client of the round.
  let sampled: [UInt32]
  /// Clients still in the round.
  private(set) var active: Set<UInt32>
  /// Each client's neighbours (itself included), from setup on.
  private(set) var neighbours: [UInt32: [UInt32]] = [:]
  private(set) var publicKeys: [UInt32: SecAggPlusMessages.PublicKeys] = [:]
  /// For each client, the clients whose encrypted shares were forwarded to it (and so whose
  /// pairwise masks it adds): symmetric.
  private(set) var forwarded: [UInt32: [UInt32]] = [:]
  /// Clients whose masked vectors are in the sum.
  private(set) var contributors: Set<UInt32> = []
  /// Clients lost after sending their shares whose pairwise masks must be removed.
  private(set) var dead: Set<UInt32> = []

  init(count: Int, numShares: Int, threshold: Int) {
    self.sampled = (1...UInt32(count)).map { $0 }
    self.active = Set(sampled)
    self.numShares = numShares
    self.threshold = threshold
  }

  /// Setup's end: `keys` are the clients that answered. Builds the ring over them; returns the
  /// clients refused because fewer than `threshold` clients answered.
  mutating func setupFinished(keys: [UInt32: SecAggPlusMessages.SetupReply]) -> [UInt32: String] {
    publicKeys = Dictionary(
      uniqueKeysWithValues: keys.map { ($0.key, .init(id: $0.key, pk1: $0.value.pk1, pk2: $0.value.pk2)) })
    let ring = sampled.filter { keys[$0] != nil }
    active = Set(ring)
    guard ring.count >= max(threshold, 2) else {
      let reason = "only \(ring.count) clients finished setup, fewer than the threshold \(threshold)"
      active = []
      return Dictionary(uniqueKeysWithValues: ring.map { ($0, reason) })
    }
    let m = ring.count
    let k = min(numShares, m)
    let half = k / 2
    for (i, id) in ring.enumerated() {
      if k >= m {
        neighbours[id] = ring
      } else {
        var set: [UInt32] = []
        for offset in -half...half {
          let n = ring[((i + offset) % m + m) % m]
          if !set.contains(n) { set.append(n) }
        }
        neighbours[id] = set.sorted()
      }
    }
    return [:]
  }

  /// The share_keys request for `id`: its neighbours' public keys (its own included).
  func shareKeysRequest(for id: UInt32) -> SecAggPlusMessages.ShareKeysRequest {
    .init(keys: (neighbours[id] ?? []).compactMap { publicKeys[$0] })
  }

  /// Share_keys' end: `replies` are the clients that answered. Returns, for each client that
  /// goes on, the ciphertexts to forward to it, and the clients dropped with why (a malformed
  /// reply, or too few share holders left).
  mutating func shareKeysFinished(replies: [UInt32: SecAggPlusMessages.ShareKeysReply])
    -> (forwards: [UInt32: [SecAggPlusMessages.Ciphertext]], dropped: [UInt32: String])
  {
    var dropped: [UInt32: String] = [:]
    var inRound = Set<UInt32>()
    var sent: [UInt32: [UInt32: [UInt8]]] = [:]  // src -> dst -> ciphertext
    for (src, reply) in replies where active.contains(src) {
      let expected = Set(neighbours[src] ?? []).subtracting([src])
      let dsts = reply.ciphertexts.map(\.peer)
      guard Set(dsts) == expected, dsts.count == expected.count else {
        dropped[src] = "its share_keys reply does not hold one share bundle per neighbour"
        continue
      }
      inRound.insert(src)
      sent[src] = Dictionary(uniqueKeysWithValues: reply.ciphertexts.map { ($0.peer, $0.bytes) })
    }
    // Drop clients whose shares too few remaining clients would hold, until none is left.
    var changed = true
    while changed {
      changed = false
      for id in inRound.sorted() {
        let holders = (neighbours[id] ?? []).filter { inRound.contains($0) }.count
        if holders < threshold {
          inRound.remove(id)
          dropped[id] =
            "only \(holders) of its neighbours (itself included) are left to hold its shares, fewer than the threshold \(threshold)"
          changed = true
        }
      }
    }
    active = inRound
    var forwards: [UInt32: [SecAggPlusMessages.Ciphertext]] = [:]
    for dst in inRound {
      let sources = (neighbours[dst] ?? []).filter { $0 != dst && inRound.contains($0) }
      forwarded[dst] = sources
      forwards[dst] = sources.compactMap { src in sent[src]?[dst].map { .init(peer: src, bytes: $0) } }
    }
    return (forwards, dropped)
  }

  /// Collect_masked_vectors' end: `received` are the clients whose masked vectors are in the
  /// sum. Works out the dropped clients whose masks must be removed.
  ///
  /// - Throws: `PollenError(.clientFailed)` when some secret could not be reconstructed even if
  ///   every contributor answered the unmask stage (the round cannot be completed).
  mutating func maskedVectorsFinished(received: Set<UInt32>) throws(PollenError) {
    contributors = received.intersection(active)
    guard !contributors.isEmpty else {
      throw PollenError(.clientFailed, "SecAgg+: no masked vectors arrived")
    }
    dead = Set(contributors.flatMap { forwarded[$0] ?? [] }).subtracting(contributors)
    for id in contributors.sorted() {
      let holders = ([id] + (forwarded[id] ?? [])).filter { contributors.contains($0) }.count
      guard holders >= threshold else {
        throw PollenError(
          .clientFailed,
          "SecAgg+: client #\(id)'s mask seed has \(holders) share holders left, fewer than the threshold \(threshold)"
        )
      }
    }
    for id in dead.sorted() {
      let holders = contributors.filter { forwarded[$0]?.contains(id) == true }.count
      guard holders >= threshold else {
        throw PollenError(
          .clientFailed,
          "SecAgg+: dropped client #\(id)'s key has \(holders) share holders left, fewer than the threshold \(threshold)"
        )
      }
    }
    active = contributors
  }

  /// The unmask request for contributor `id`: seed shares of the contributors and key shares
  /// of the dead whose shares it holds.
  func unmaskRequest(for id: UInt32) -> SecAggPlusMessages.UnmaskRequest {
    let held = [id] + (forwarded[id] ?? [])
    return .init(
      active: held.filter { contributors.contains($0) }.sorted(),
      dead: held.filter { dead.contains($0) }.sorted())
  }

  /// The contributors that added a pairwise mask with dead client `id`.
  func maskedWithDead(_ id: UInt32) -> [UInt32] {
    contributors.filter { forwarded[$0]?.contains(id) == true }.sorted()
  }
}
