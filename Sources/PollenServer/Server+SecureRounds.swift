import Logging
import PollenCore

extension Server {
  /// The fit round of ``fitRound(_:history:timing:)`` when ``ServerConfig/secureAggregation``
  /// is set: the workflow runs the instructions and returns one aggregated result, which the
  /// strategy aggregates as usual (the server never sees an individual update).
  mutating func secureFitRound(
    _ round: Int, instructions: [FitInstruction], workflow: any SecureFitWorkflow, timeout: Duration?,
    history: inout History, timing: inout RoundTiming
  ) async -> (Parameters?, Metrics)? {
    let clock = ContinuousClock()
    let fitStart = clock.now
    let outcome = await workflow.fit(
      serverRound: round, instructions: instructions, parameters: parameters, timeout: timeout, logger: logger
    )
    timing.fitSeconds = (clock.now - fitStart).inSeconds
    timing.bytesSent += outcome.bytesSent
    timing.bytesReceived += outcome.bytesReceived
    guard !Task.isCancelled else { return nil }
    var failures = outcome.failures
    var results: [FitResult] = []
    if var res = outcome.result {
      do {
        if config.validateUpdates { try UpdateValidator(reference: parameters).validate(res.parameters) }
        let client = SecureAggregateClientProxy(contributors: outcome.contributors)
        if strategy.accumulateFit(serverRound: round, result: (client, res)) { res.parameters = .empty }
        results.append((client, res))
      } catch {
        failures.append(ClientFailure(cid: "secure-aggregate", error: Self.pollenError(error)))
      }
    }
    record(failures, round: round, phase: .fit, into: &history)
    metrics.results(.fit, count: outcome.contributors.count)
    metrics.phaseFinished(.fit, seconds: timing.fitSeconds)
    metrics.bytes(sent: outcome.bytesSent, received: outcome.bytesReceived)
    logger.info(
      "aggregate_fit: received 1 secure aggregate of \(outcome.contributors.count) clients (\(workflow)) and \(failures.count) failures"
    )
    let aggregateStart = clock.now
    let (aggregated, metrics) = strategy.aggregateFit(
      serverRound: round, results: results, failures: failures)
    timing.aggregateSeconds = (clock.now - aggregateStart).inSeconds
    return (aggregated, metrics)
  }
}
