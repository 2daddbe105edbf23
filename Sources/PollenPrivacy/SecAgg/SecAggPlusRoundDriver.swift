import Crypto
import Logging
import PollenCore
import PollenServer

/// Runs one SecAgg+ round for ``SecAggPlusWorkflow``: negotiation, the four stages as `fit`
/// calls, the masked sum and the unmasking. Owned by one task; the round's state is a
/// ``SecAggPlusRound``.
struct SecAggPlusRoundDriver {
  let config: SecAggPlusConfig
  let round: Int
  let instructions: [FitInstruction]
  let reference: Parameters
  let timeout: Duration?
  let logger: Logger

  let session: String = {
    var rng = SystemRandomNumberGenerator()
    return (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &rng), radix: 16) }.joined()
  }()
  /// The round's clients by secure id, and their instructions.
  var clients: [UInt32: FitInstruction] = [:]
  var failures: [ClientFailure] = []
  var stages: [SecAggPlusRoundReport.Stage] = []
  var bytesSent = 0
  var bytesReceived = 0
  let clock = ContinuousClock()

  init(
    config: SecAggPlusConfig, round: Int, instructions: [FitInstruction], reference: Parameters,
    timeout: Duration?, logger: Logger
  ) {
    self.config = config
    self.round = round
    self.instructions = instructions
    self.reference = reference
    self.timeout = timeout
    self.logger = logger
  }

  /// The cid of secure id `id`, for messages.
  func name(_ id: UInt32) -> String { clients[id]?.client.cid ?? "#\(id)" }

  mutating func fail(_ id: UInt32, _ stage: String, _ message: String, code: PollenError.Code = .clientFailed)
  {
    guard let cid = clients[id]?.client.cid else { return }
    failures.append(ClientFailure(cid: cid, error: PollenError(code, "SecAgg+ \(stage): \(message)")))
  }

  /// Every remaining client fails with `message`; the round has no result.
  mutating func abort(_ ids: some Sequence<UInt32>, _ stage: String, _ message: String)
    -> SecAggPlusRoundReport
  {
    logger.error("SecAgg+ round \(round) halted in \(stage): \(message)")
    for id in ids.sorted() { fail(id, stage, message) }
    return report(result: nil, contributors: [])
  }

  func report(result: FitRes?, contributors: [String]) -> SecAggPlusRoundReport {
    SecAggPlusRoundReport(
      outcome: SecureFitOutcome(
        result: result, contributors: contributors, failures: failures, bytesSent: bytesSent,
        bytesReceived: bytesReceived),
      stages: stages)
  }

  mutating func run() async -> SecAggPlusRoundReport {
    logger.info("SecAgg+ round \(round): secure aggregation commencing (\(config))")
    // Negotiation: only clients that speak SecAgg+ take part.
    let start = clock.now
    let capable = await negotiate()
    stages.append(
      .init(
        name: "negotiate", clients: instructions.count, answered: capable.count,
        seconds: (clock.now - start).inSeconds, serverSeconds: 0))
    let resolved: (numShares: Int, threshold: Int)
    do {
      resolved = try config.resolve(sampleCount: capable.count)
    } catch {
      logger.error("SecAgg+ round \(round) not started: \(error.message)")
      for (client, _) in capable {
        failures.append(ClientFailure(cid: client.cid, error: PollenError(.clientFailed, error.message)))
      }
      return report(result: nil, contributors: [])
    }
    if resolved.threshold * 2 <= resolved.numShares {
      logger.warning(
        "SecAgg+: reconstruction_threshold \(resolved.threshold) is not a majority of the \(resolved.numShares) shares; a curious server could learn an update"
      )
    }
    var rng = SystemRandomNumberGenerator()
    for (i, instruction) in capable.shuffled(using: &rng).enumerated() {
      clients[UInt32(i + 1)] = instruction
    }
    var state = SecAggPlusRound(
      count: clients.count, numShares: resolved.numShares, threshold: resolved.threshold)

    // Stage 0: setup.
    var setup = SecAggPlusMessages.SetupRequest(
      secureID: 0, sampleCount: UInt32(clients.count), numShares: UInt32(resolved.numShares),
      threshold: UInt32(resolved.threshold), clippingRange: config.clippingRange,
      quantizationRange: config.quantizationRange, modulusRange: config.modulusRange,
      maxWeight: config.maxWeight)
    var keys: [UInt32: SecAggPlusMessages.SetupReply] = [:]
    var requests: [UInt32: FitIns] = [:]
    for id in state.sampled {
      setup.secureID = id
      requests[id] = stageIns(.setup, setup.encoded)
    }
    await runStage(.setup, requests) { id, res in
      keys[id] = try SecAggPlusMessages.SetupReply(decoding: try Self.payload(res, .setup))
    }
    for (id, reason) in state.setupFinished(keys: keys) { fail(id, "setup", reason) }
    guard !state.active.isEmpty else { return report(result: nil, contributors: []) }

    // Stage 1: share keys.
    requests = Dictionary(
      uniqueKeysWithValues: state.active.map {
        ($0, stageIns(.shareKeys, state.shareKeysRequest(for: $0).encoded))
      })
    var shareReplies: [UInt32: SecAggPlusMessages.ShareKeysReply] = [:]
    await runStage(.shareKeys, requests) { id, res in
      let bytes = try Self.payload(res, .shareKeys)
      shareReplies[id] = .init(
        ciphertexts: try [SecAggPlusMessages.Ciphertext](decoding: bytes, context: "share_keys reply"))
    }
    let (forwards, dropped) = state.shareKeysFinished(replies: shareReplies)
    for (id, reason) in dropped.sorted(by: { $0.key < $1.key }) {
      fail(id, "share_keys", "dropped from the round: \(reason)")
    }
    guard !state.active.isEmpty else {
      return abort([], "share_keys", "no client has enough neighbours left for the threshold")
    }

    // Stage 2: collect masked vectors (the clients train here).
    requests = [:]
    for id in state.active {
      guard let (_, ins) = clients[id] else { continue }
      var stage = stageIns(.collectMaskedVectors, (forwards[id] ?? []).encoded)
      stage.parameters = ins.parameters
      stage.config.merge(SecAggPlusProtocol.strippingProtocolKeys(ins.config)) { mine, _ in mine }
      requests[id] = stage
    }
    var sum = SecAggPlusMaskedSum(config: config, reference: reference)
    var received = Set<UInt32>()
    await runStage(.collectMaskedVectors, requests) { id, res in
      try sum.add(res)
      received.insert(id)
    }
    do {
      try state.maskedVectorsFinished(received: received)
    } catch {
      return abort(received, "collect_masked_vectors", error.message)
    }
    return await unmask(&state, sum: sum)
  }

  /// The stage instruction with `payload` (parameters empty except in collect_masked_vectors).
  func stageIns(_ stage: SecAggPlusProtocol.Stage, _ payload: [UInt8]) -> FitIns {
    FitIns(
      parameters: .empty,
      config: [
        SecAggPlusProtocol.stageKey: .string(stage.rawValue), SecAggPlusProtocol.sessionKey: .string(session),
        SecAggPlusProtocol.payloadKey: .bytes(payload), "server_round": .int(Int64(round)),
      ])
  }

  /// The payload of a stage reply.
  static func payload(_ res: FitRes, _ stage: SecAggPlusProtocol.Stage) throws(PollenError) -> [UInt8] {
    guard case .bytes(let b)? = res.metrics[SecAggPlusProtocol.payloadKey] else {
      throw PollenError(.invalidMessage, "its \(stage.rawValue) reply has no SecAgg+ payload")
    }
    return b
  }
}
