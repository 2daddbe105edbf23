/// How long one round's phases took on the server and how many tensor bytes it moved
/// (Pollen's addition to Flower's `History`; measured inside the server, so client start-up and
/// connection time are not in it).
public struct RoundTiming: Sendable, Hashable {
  /// The round.
  public var round: Int
  /// Seconds from sending the first fit instruction to the last result or failure.
  public var fitSeconds: Double
  /// Seconds the strategy took to aggregate the fit results (folding in as they arrive is in
  /// `fitSeconds`).
  public var aggregateSeconds: Double
  /// Seconds of centralised evaluation on the server.
  public var centralEvaluateSeconds: Double
  /// Seconds of federated evaluation (instructions out, results in, aggregation).
  public var evaluateSeconds: Double
  /// Seconds of the whole round, including saving it to the run store.
  public var roundSeconds: Double
  /// Tensor bytes in the round's fit and evaluate instructions.
  public var bytesSent: Int
  /// Tensor bytes in the round's fit results.
  public var bytesReceived: Int

  public init(
    round: Int, fitSeconds: Double = 0, aggregateSeconds: Double = 0, centralEvaluateSeconds: Double = 0,
    evaluateSeconds: Double = 0, roundSeconds: Double = 0, bytesSent: Int = 0, bytesReceived: Int = 0
  ) {
    self.round = round
    self.fitSeconds = fitSeconds
    self.aggregateSeconds = aggregateSeconds
    self.centralEvaluateSeconds = centralEvaluateSeconds
    self.evaluateSeconds = evaluateSeconds
    self.roundSeconds = roundSeconds
    self.bytesSent = bytesSent
    self.bytesReceived = bytesReceived
  }

  /// The timing's fields by their JSON names (`fit_seconds`, …, `bytes_received`), in this order.
  public var fields: [(name: String, value: Double)] {
    [
      ("fit_seconds", fitSeconds), ("aggregate_seconds", aggregateSeconds),
      ("central_evaluate_seconds", centralEvaluateSeconds), ("evaluate_seconds", evaluateSeconds),
      ("round_seconds", roundSeconds), ("bytes_sent", Double(bytesSent)),
      ("bytes_received", Double(bytesReceived)),
    ]
  }

  /// A timing from ``fields``' names and values (missing fields are 0).
  public init(round: Int, fields: [String: Double]) {
    self.init(
      round: round, fitSeconds: fields["fit_seconds"] ?? 0,
      aggregateSeconds: fields["aggregate_seconds"] ?? 0,
      centralEvaluateSeconds: fields["central_evaluate_seconds"] ?? 0,
      evaluateSeconds: fields["evaluate_seconds"] ?? 0, roundSeconds: fields["round_seconds"] ?? 0,
      bytesSent: Int(fields["bytes_sent"] ?? 0), bytesReceived: Int(fields["bytes_received"] ?? 0))
  }
}
