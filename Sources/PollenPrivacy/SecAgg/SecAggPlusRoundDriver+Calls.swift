import PollenCore
import PollenServer

extension SecAggPlusRoundDriver {
  /// Asks every instructed client for the SecAgg+ capability; returns those that have it, in
  /// instruction order, and records the others as failures (never sent a stage).
  mutating func negotiate() async -> [FitInstruction] {
    let ins = GetPropertiesIns(config: [
      SecAggPlusProtocol.capabilityKey: .string(SecAggPlusProtocol.capabilityValue)
    ])
    let timeout = self.timeout
    var capable = Array(repeating: false, count: instructions.count)
    var refusals: [(Int, String)] = []
    await withTaskGroup(of: (Int, Result<GetPropertiesRes, PollenError>).self) { group in
      for (index, (client, _)) in instructions.enumerated() {
        group.addTask {
          do {
            let res =
              client.enforcesTimeouts
              ? try await client.getProperties(ins, timeout: timeout)
              : try await withTimeout(timeout) { try await client.getProperties(ins, timeout: timeout) }
            return (index, .success(res))
          } catch {
            return (index, .failure(Self.pollenError(error)))
          }
        }
      }
      for await (index, result) in group {
        switch result {
        case .success(let res)
        where res.status.code == .ok
          && res.properties[SecAggPlusProtocol.capabilityKey]?.stringValue
            == SecAggPlusProtocol.capabilityValue:
          capable[index] = true
        case .success(let res):
          let found = res.properties[SecAggPlusProtocol.capabilityKey].map { " (it has \($0))" } ?? ""
          refusals.append(
            (
              index,
              "client does not support Pollen SecAgg+: get_properties has no \(SecAggPlusProtocol.capabilityKey)=\(SecAggPlusProtocol.capabilityValue)\(found); refused from the secure round"
            ))
        case .failure(let error):
          refusals.append((index, "capability check failed (\(error)); refused from the secure round"))
        }
      }
    }
    for (index, reason) in refusals.sorted(by: { $0.0 < $1.0 }) {
      failures.append(
        ClientFailure(
          cid: instructions[index].client.cid, error: PollenError(.notImplemented, "SecAgg+: \(reason)")))
    }
    return instructions.indices.filter { capable[$0] }.map { instructions[$0] }
  }

  /// Sends one stage's `requests` at once and hands each OK reply to `onReply` as it arrives
  /// (on this task); calls that fail, time out, answer non-OK or whose reply `onReply` refuses
  /// become failures. Records the stage's timings.
  mutating func runStage(
    _ stage: SecAggPlusProtocol.Stage, _ requests: [UInt32: FitIns],
    onReply: (UInt32, FitRes) throws -> Void
  ) async {
    let start = clock.now
    var serverTime = Duration.zero
    var answered = 0
    let timeout = self.timeout
    logger.debug("SecAgg+ round \(round) [\(stage.rawValue)]: sending to \(requests.count) clients")
    var calls: [(UInt32, any ClientProxy, FitIns)] = []
    for (id, ins) in requests.sorted(by: { $0.key < $1.key }) {
      guard let client = clients[id]?.client else { continue }
      bytesSent += ins.parameters.byteCount + Self.payloadSize(ins.config)
      calls.append((id, client, ins))
    }
    var errors: [(UInt32, PollenError)] = []
    await withTaskGroup(of: (UInt32, Result<FitRes, PollenError>).self) { group in
      for (id, client, ins) in calls {
        group.addTask {
          do {
            let res =
              client.enforcesTimeouts
              ? try await client.fit(ins, timeout: timeout)
              : try await withTimeout(timeout) { try await client.fit(ins, timeout: timeout) }
            return (id, .success(res))
          } catch {
            return (id, .failure(Self.pollenError(error)))
          }
        }
      }
      for await (id, result) in group {
        let t0 = clock.now
        switch result {
        case .success(let res) where res.status.code == .ok:
          bytesReceived += res.parameters.byteCount + Self.payloadSize(res.metrics)
          do {
            try onReply(id, res)
            answered += 1
          } catch {
            errors.append((id, PollenError(.invalidMessage, "\(Self.pollenError(error).message)")))
          }
        case .success(let res):
          errors.append((id, PollenError(.clientFailed, "status \(res.status.code): \(res.status.message)")))
        case .failure(let error):
          errors.append((id, error))
        }
        serverTime += clock.now - t0
      }
    }
    for (id, error) in errors.sorted(by: { $0.0 < $1.0 }) {
      fail(id, stage.rawValue, error.description, code: error.code)
    }
    stages.append(
      .init(
        name: stage.rawValue, clients: calls.count, answered: answered,
        seconds: (clock.now - start).inSeconds,
        serverSeconds: serverTime.inSeconds))
    logger.debug("SecAgg+ round \(round) [\(stage.rawValue)]: \(answered) of \(calls.count) clients answered")
  }

  static func payloadSize(_ config: Config) -> Int {
    if case .bytes(let b)? = config[SecAggPlusProtocol.payloadKey] { return b.count }
    return 0
  }

  static func pollenError(_ error: any Error) -> PollenError {
    if let e = error as? PollenError { return e }
    if error is CancellationError { return PollenError(.timeout, "call cancelled") }
    return PollenError(.clientFailed, "\(error)")
  }
}
