import Crypto
import PollenCore
import PollenServer

extension SecAggPlusRoundDriver {
  /// Stage 3: collects the shares, reconstructs the survivors' mask seeds and the dropped
  /// clients' keys, removes every mask from the sum and turns it into the weighted average.
  mutating func unmask(_ state: inout SecAggPlusRound, sum: SecAggPlusMaskedSum) async
    -> SecAggPlusRoundReport
  {
    let contributors = state.contributors
    var requested: [UInt32: SecAggPlusMessages.UnmaskRequest] = [:]
    var requests: [UInt32: FitIns] = [:]
    for id in contributors {
      let request = state.unmaskRequest(for: id)
      requested[id] = request
      requests[id] = stageIns(.unmask, request.encoded)
    }
    var seedShares: [UInt32: [ShamirSecretSharing.Share]] = [:]
    var keyShares: [UInt32: [ShamirSecretSharing.Share]] = [:]
    await runStage(.unmask, requests) { id, res in
      let reply = try SecAggPlusMessages.UnmaskReply(decoding: try Self.payload(res, .unmask))
      let asked = requested[id]!
      guard reply.shares.map(\.owner) == asked.active + asked.dead,
        reply.shares.allSatisfy({ $0.share.x == id })
      else { throw PollenError(.invalidMessage, "its unmask reply does not hold the shares asked for") }
      for (owner, share) in reply.shares {
        if asked.active.contains(owner) {
          seedShares[owner, default: []].append(share)
        } else {
          keyShares[owner, default: []].append(share)
        }
      }
    }
    let start = clock.now
    var vector = sum.values
    let threshold = state.threshold
    let modulus = config.modulusRange
    func shares(_ all: [ShamirSecretSharing.Share]?) -> [ShamirSecretSharing.Share]? {
      guard let all, all.count >= threshold else { return nil }
      return Array(all.sorted { $0.x < $1.x }.prefix(threshold))
    }
    for id in contributors.sorted() {
      guard let some = shares(seedShares[id]) else {
        return abort(
          contributors, "unmask",
          "only \(seedShares[id]?.count ?? 0) shares of client \(name(id))'s mask seed arrived (threshold \(threshold)): the aggregate cannot be unmasked"
        )
      }
      do {
        let seed = try ShamirSecretSharing.combine(some)
        SecAggPlusMasks.apply(seed: SymmetricKey(data: seed), .subtract, to: &vector, modulus: modulus)
      } catch {
        return abort(contributors, "unmask", "client \(name(id))'s mask seed: \(error.message)")
      }
    }
    for id in state.dead.sorted() {
      guard let some = shares(keyShares[id]) else {
        return abort(
          contributors, "unmask",
          "only \(keyShares[id]?.count ?? 0) shares of dropped client \(name(id))'s key arrived (threshold \(threshold)): the aggregate cannot be unmasked"
        )
      }
      do {
        let key = try Curve25519.KeyAgreement.PrivateKey(
          rawRepresentation: try ShamirSecretSharing.combine(some))
        guard let mine = state.publicKeys[id], Array(key.publicKey.rawRepresentation) == mine.pk1 else {
          return abort(
            contributors, "unmask",
            "dropped client \(name(id))'s reconstructed key does not match its public key")
        }
        for peer in state.maskedWithDead(id) {
          guard let theirs = state.publicKeys[peer] else { continue }
          let pairwise = try SecAggPlusKeyAgreement.sharedKey(
            key, theirs.pk1, session: session, purpose: .pairwiseMask)
          // The peer added the mask when its id is larger, subtracted it otherwise.
          SecAggPlusMasks.apply(seed: pairwise, peer > id ? .subtract : .add, to: &vector, modulus: modulus)
        }
      } catch {
        return abort(contributors, "unmask", "dropped client \(name(id))'s key: \(error)")
      }
    }
    let (values, totalWeight) = SecAggPlusQuantization.average(
      sum: vector, contributors: contributors.count, clippingRange: config.clippingRange,
      quantizationRange: config.quantizationRange)
    var tensors: [NDArray] = []
    var offset = 0
    for (shape, dtype) in zip(sum.shapes ?? [], sum.dtypes ?? []) {
      let n = shape.reduce(1, *)
      tensors.append(
        NDArray(
          doubles: Array(values[offset..<offset + n]), dtype: dtype.isFloatingPoint ? dtype : .float64,
          shape: shape))
      offset += n
    }
    if let last = stages.indices.last {
      let unmasking = (clock.now - start).inSeconds
      stages[last].serverSeconds += unmasking
      stages[last].seconds += unmasking
    }
    let contributorCIDs = contributors.sorted().compactMap { clients[$0]?.client.cid }
    logger.info(
      "SecAgg+ round \(round): secure aggregation completed: \(contributors.count) updates summed, \(state.dead.count) dropped clients unmasked"
    )
    let result = FitRes(
      parameters: Parameters(tensors: tensors), numExamples: Int((totalWeight * config.maxWeight).rounded()),
      metrics: ["secagg_clients": .int(Int64(contributors.count))])
    return report(result: result, contributors: contributorCIDs)
  }
}
