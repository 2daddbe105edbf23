import Metrics

/// The server's operational metrics, emitted through swift-metrics (a no-op until the process
/// bootstraps a backend, e.g. `PollenMetrics.MetricsEndpoint` with Prometheus).
///
/// | metric | type | labels |
/// |---|---|---|
/// | `pollen_connected_clients` | gauge | |
/// | `pollen_current_round` | gauge | |
/// | `pollen_rounds_completed_total` | counter | |
/// | `pollen_round_duration_seconds` | histogram | |
/// | `pollen_fit_duration_seconds`, `pollen_evaluate_duration_seconds` | histogram | |
/// | `pollen_results_total` | counter | `phase` |
/// | `pollen_failures_total` | counter | `phase`, `reason` |
/// | `pollen_bytes_sent_total`, `pollen_bytes_received_total` | counter | |
///
/// Metric objects are created at each call, not stored, so a `ServerMetrics` made before the
/// backend was bootstrapped still reports (backends return the same series for the same name and
/// labels). Negative counts and non-finite or negative durations are ignored.
public struct ServerMetrics: Sendable {
  /// The phase of a round a result, failure or duration belongs to.
  public enum Phase: String, Sendable { case fit, evaluate }

  /// The metric names.
  public enum Name {
    public static let connectedClients = "pollen_connected_clients"
    public static let currentRound = "pollen_current_round"
    public static let roundsCompleted = "pollen_rounds_completed_total"
    public static let roundDuration = "pollen_round_duration_seconds"
    public static let fitDuration = "pollen_fit_duration_seconds"
    public static let evaluateDuration = "pollen_evaluate_duration_seconds"
    public static let results = "pollen_results_total"
    public static let failures = "pollen_failures_total"
    public static let bytesSent = "pollen_bytes_sent_total"
    public static let bytesReceived = "pollen_bytes_received_total"
  }

  /// Registers the unlabelled counters and the results counters at zero (if a backend is
  /// bootstrapped), so a scrape shows them before the first round ends.
  public init() {
    for name in [Name.roundsCompleted, Name.bytesSent, Name.bytesReceived] {
      Counter(label: name).increment(by: 0)
    }
    for phase in [Phase.fit, .evaluate] {
      Counter(label: Name.results, dimensions: [("phase", phase.rawValue)]).increment(by: 0)
    }
  }

  /// Round `round` has started: sets `pollen_current_round`.
  public func roundStarted(_ round: Int) {
    Gauge(label: Name.currentRound).record(round)
  }

  /// Round `round` has ended after `seconds`: increments `pollen_rounds_completed_total` and
  /// records `pollen_round_duration_seconds`.
  public func roundFinished(_ round: Int, seconds: Double) {
    Counter(label: Name.roundsCompleted).increment()
    Self.record(seconds, in: Name.roundDuration)
  }

  /// A round's fit or evaluate phase took `seconds` (`pollen_fit_duration_seconds` /
  /// `pollen_evaluate_duration_seconds`).
  public func phaseFinished(_ phase: Phase, seconds: Double) {
    Self.record(seconds, in: phase == .fit ? Name.fitDuration : Name.evaluateDuration)
  }

  /// `count` results arrived in `phase` (`pollen_results_total{phase}`).
  public func results(_ phase: Phase, count: Int) {
    guard count > 0 else { return }
    Counter(label: Name.results, dimensions: [("phase", phase.rawValue)]).increment(by: count)
  }

  /// One client failed in `phase` (`pollen_failures_total{phase,reason}`); `reason` is a
  /// `PollenError.Code` name such as `timeout` or `clientFailed`.
  public func failure(_ phase: Phase, reason: String) {
    Counter(label: Name.failures, dimensions: [("phase", phase.rawValue), ("reason", reason)]).increment()
  }

  /// Bytes sent to and received from clients (`pollen_bytes_sent_total` /
  /// `pollen_bytes_received_total`).
  public func bytes(sent: Int, received: Int) {
    if sent > 0 { Counter(label: Name.bytesSent).increment(by: sent) }
    if received > 0 { Counter(label: Name.bytesReceived).increment(by: received) }
  }

  /// `n` clients are connected now (`pollen_connected_clients`).
  public static func connectedClients(_ n: Int) {
    Gauge(label: Name.connectedClients).record(max(n, 0))
  }

  private static func record(_ seconds: Double, in name: String) {
    guard seconds.isFinite, seconds >= 0 else { return }
    Timer(label: name).recordSeconds(seconds)
  }
}
