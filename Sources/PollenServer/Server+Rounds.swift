import Logging
import PollenCore

extension Server {
  /// One client's outcome in a round.
  enum Outcome<Res: Sendable>: Sendable {
    case success(any ClientProxy, Res)
    case failure(ClientFailure)
  }

  /// Configures, runs and aggregates one fit round; `nil` when no clients were selected.
  mutating func fitRound(_ round: Int, history: inout History, timing: inout RoundTiming) async
    -> (Parameters?, Metrics)?
  {
    let instructions = await strategy.configureFit(
      serverRound: round, parameters: parameters, clientManager: clientManager)
    guard !instructions.isEmpty else {
      logger.info("configure_fit: no clients selected, cancel")
      return nil
    }
    let numAvailable = await clientManager.numAvailable()
    logger.info("configure_fit: strategy sampled \(instructions.count) clients (out of \(numAvailable))")
    let timeout = strategy.roundTimeout(serverRound: round) ?? config.roundTimeout(forRound: round)
    if let workflow = config.secureAggregation {
      return await secureFitRound(
        round, instructions: instructions, workflow: workflow, timeout: timeout, history: &history,
        timing: &timing)
    }
    let validator = config.validateUpdates ? UpdateValidator(reference: parameters) : nil
    var results: [FitResult] = []
    var failures: [ClientFailure] = []
    var reorder = ReorderBuffer<Outcome<FitRes>>(enabled: config.deterministicOrder)
    let clock = ContinuousClock()
    let fitStart = clock.now
    var received = 0
    let sent = instructions.reduce(0) { $0 + $1.ins.parameters.byteCount }
    // At most `maxBufferedUpdates` results are held between arrival and folding (the reorder
    // buffer of `deterministicOrder` is not bounded: it must wait for the earliest result).
    let budget = config.deterministicOrder ? nil : config.maxBufferedUpdates.map { UpdateBudget(limit: $0) }
    await withTaskGroup(of: (Int, Outcome<FitRes>, UpdateLease?).self) { group in
      for (index, (client, ins)) in instructions.enumerated() {
        group.addTask {
          let lease = budget.map { UpdateLease(budget: $0) }
          let outcome = await UpdateLease.$current.withValue(lease) {
            await Self.fitOne(client, ins, timeout: timeout, validator: validator)
          }
          return (index, outcome, lease)
        }
      }
      // Consume results as they arrive; a strategy that folds them in lets their tensors go.
      for await (index, outcome, lease) in group {
        for ready in reorder.push(index, outcome) {
          switch ready {
          case .success(let client, var res):
            received += res.parameters.byteCount
            if strategy.accumulateFit(serverRound: round, result: (client, res)) { res.parameters = .empty }
            results.append((client, res))
          case .failure(let failure):
            failures.append(failure)
          }
        }
        lease?.release()
      }
    }
    timing.fitSeconds = (clock.now - fitStart).inSeconds
    timing.bytesSent += sent
    timing.bytesReceived += received
    // A cancelled round is abandoned: its partial results must not move the strategy's state.
    guard !Task.isCancelled else { return nil }
    record(failures, round: round, phase: .fit, into: &history)
    metrics.results(.fit, count: results.count)
    metrics.phaseFinished(.fit, seconds: timing.fitSeconds)
    metrics.bytes(sent: sent, received: received)
    logger.info("aggregate_fit: received \(results.count) results and \(failures.count) failures")
    let aggregateStart = clock.now
    let (aggregated, metrics) = strategy.aggregateFit(
      serverRound: round, results: results, failures: failures)
    timing.aggregateSeconds = (clock.now - aggregateStart).inSeconds
    return (aggregated, metrics)
  }

  private static func fitOne(
    _ client: any ClientProxy, _ ins: FitIns, timeout: Duration?, validator: UpdateValidator?
  ) async -> Outcome<FitRes> {
    do {
      let res =
        client.enforcesTimeouts
        ? try await client.fit(ins, timeout: timeout)
        : try await withTimeout(timeout) { try await client.fit(ins, timeout: timeout) }
      // Hold a slot before handing the result on (a decoding proxy took it already).
      await UpdateLease.current?.acquire()
      guard res.status.code == .ok else {
        return .failure(
          ClientFailure(
            cid: client.cid,
            error: PollenError(.clientFailed, "status \(res.status.code): \(res.status.message)")))
      }
      if let validator { try validator.validate(res.parameters) }
      return .success(client, res)
    } catch {
      return .failure(ClientFailure(cid: client.cid, error: Self.pollenError(error)))
    }
  }

  /// Configures, runs and aggregates one federated-evaluation round; `nil` when skipped.
  mutating func evaluateRound(_ round: Int, history: inout History, timing: inout RoundTiming) async
    -> (Double?, Metrics)?
  {
    let instructions = await strategy.configureEvaluate(
      serverRound: round, parameters: parameters, clientManager: clientManager)
    guard !instructions.isEmpty else {
      logger.info("configure_evaluate: no clients selected, skipping evaluation")
      return nil
    }
    let numAvailable = await clientManager.numAvailable()
    logger.info("configure_evaluate: strategy sampled \(instructions.count) clients (out of \(numAvailable))")
    var results: [EvaluateResult] = []
    var failures: [ClientFailure] = []
    let timeout = strategy.roundTimeout(serverRound: round) ?? config.roundTimeout(forRound: round)
    var reorder = ReorderBuffer<Outcome<EvaluateRes>>(enabled: config.deterministicOrder)
    let sent = instructions.reduce(0) { $0 + $1.ins.parameters.byteCount }
    timing.bytesSent += sent
    let clock = ContinuousClock()
    let evaluateStart = clock.now
    await withTaskGroup(of: (Int, Outcome<EvaluateRes>).self) { group in
      for (index, (client, ins)) in instructions.enumerated() {
        group.addTask {
          do {
            let res = try await withTimeout(timeout) { try await client.evaluate(ins, timeout: timeout) }
            guard res.status.code == .ok else {
              return (
                index,
                .failure(
                  ClientFailure(
                    cid: client.cid,
                    error: PollenError(.clientFailed, "status \(res.status.code): \(res.status.message)")))
              )
            }
            guard res.loss.isFinite else {
              return (
                index,
                .failure(
                  ClientFailure(
                    cid: client.cid, error: PollenError(.nonFinite, "evaluate loss is \(res.loss)")))
              )
            }
            return (index, .success(client, res))
          } catch {
            return (index, .failure(ClientFailure(cid: client.cid, error: Self.pollenError(error))))
          }
        }
      }
      for await (index, outcome) in group {
        for ready in reorder.push(index, outcome) {
          switch ready {
          case .success(let client, let res): results.append((client, res))
          case .failure(let failure): failures.append(failure)
          }
        }
      }
    }
    guard !Task.isCancelled else { return nil }
    record(failures, round: round, phase: .evaluate, into: &history)
    metrics.results(.evaluate, count: results.count)
    metrics.phaseFinished(.evaluate, seconds: (clock.now - evaluateStart).inSeconds)
    metrics.bytes(sent: sent, received: 0)
    logger.info("aggregate_evaluate: received \(results.count) results and \(failures.count) failures")
    return strategy.aggregateEvaluate(serverRound: round, results: results, failures: failures)
  }

  func record(
    _ failures: [ClientFailure], round: Int, phase: ServerMetrics.Phase, into history: inout History
  ) {
    for f in failures {
      logger.warning("round \(round) \(phase.rawValue): client \(f.cid) failed: \(f.error)")
      history.failures.append((round, f.cid, "\(phase.rawValue): \(f.error)"))
      metrics.failure(phase, reason: "\(f.error.code)")
    }
  }

  static func pollenError(_ error: any Error) -> PollenError {
    if let e = error as? PollenError { return e }
    if error is CancellationError { return PollenError(.timeout, "call cancelled") }
    return PollenError(.clientFailed, "\(error)")
  }
}
