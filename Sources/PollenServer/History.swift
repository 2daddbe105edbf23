import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// What a run produced, round by round (Flower's `History`, the same five series).
public struct History: Sendable, Equatable {
  /// `(round, loss)` of federated evaluation.
  public var lossesDistributed: [(round: Int, loss: Double)] = []
  /// `(round, loss)` of centralised evaluation, starting at round 0.
  public var lossesCentralized: [(round: Int, loss: Double)] = []
  /// Aggregated fit metrics by name.
  public var metricsDistributedFit: [String: [(round: Int, value: Scalar)]] = [:]
  /// Aggregated federated-evaluation metrics by name.
  public var metricsDistributed: [String: [(round: Int, value: Scalar)]] = [:]
  /// Centralised-evaluation metrics by name.
  public var metricsCentralized: [String: [(round: Int, value: Scalar)]] = [:]
  /// Failures by round (Pollen's addition: what went wrong, for the record).
  public var failures: [(round: Int, cid: String, reason: String)] = []
  /// `(round, seconds)`: each round's simulated duration on the simulator's virtual clock
  /// (Pollen's addition; empty unless the simulation has client profiles).
  public var simulatedTime: [(round: Int, seconds: Double)] = []
  /// Each round's wall-clock phase times and tensor bytes, measured inside the server (Pollen's
  /// addition). Not part of `==`: two runs of the same seed differ in time, not in what they learn.
  public var timings: [RoundTiming] = []
  /// Privacy series by name (Pollen's addition): `epsilon` (ε spent so far after each round, at
  /// `delta`), `delta`, `clipping_norm` (adaptive clipping's norm of each round). Strategies
  /// report them as fit metrics named `privacy.<name>`, which go here instead of
  /// ``metricsDistributedFit``.
  public var privacy: [String: [(round: Int, value: Scalar)]] = [:]
  /// When the run ended early because its strategy said so (a privacy budget): the last round
  /// run and the reason (Pollen's addition).
  public var stopped: (afterRound: Int, reason: String)?
  /// The prefix of fit metrics that belong to ``privacy``.
  public static let privacyMetricPrefix = "privacy."

  public init() {}

  public mutating func addLossDistributed(round: Int, loss: Double) {
    lossesDistributed.append((round, loss))
  }
  public mutating func addLossCentralized(round: Int, loss: Double) {
    lossesCentralized.append((round, loss))
  }
  public mutating func addMetricsDistributedFit(round: Int, metrics: Metrics) {
    for (k, v) in metrics {
      if k.hasPrefix(Self.privacyMetricPrefix) {
        privacy[String(k.dropFirst(Self.privacyMetricPrefix.count)), default: []].append((round, v))
      } else {
        metricsDistributedFit[k, default: []].append((round, v))
      }
    }
  }
  public mutating func addMetricsDistributed(round: Int, metrics: Metrics) {
    for (k, v) in metrics { metricsDistributed[k, default: []].append((round, v)) }
  }
  public mutating func addMetricsCentralized(round: Int, metrics: Metrics) {
    for (k, v) in metrics { metricsCentralized[k, default: []].append((round, v)) }
  }

  public static func == (a: History, b: History) -> Bool {
    func eq(_ x: [(round: Int, loss: Double)], _ y: [(round: Int, loss: Double)]) -> Bool {
      x.count == y.count && zip(x, y).allSatisfy { $0.round == $1.round && $0.loss == $1.loss }
    }
    func eqm(_ x: [String: [(round: Int, value: Scalar)]], _ y: [String: [(round: Int, value: Scalar)]])
      -> Bool
    {
      x.keys == y.keys
        && x.allSatisfy { k, v in
          let w = y[k]!
          return v.count == w.count && zip(v, w).allSatisfy { $0.round == $1.round && $0.value == $1.value }
        }
    }
    return eq(a.lossesDistributed, b.lossesDistributed) && eq(a.lossesCentralized, b.lossesCentralized)
      && eqm(a.metricsDistributedFit, b.metricsDistributedFit)
      && eqm(a.metricsDistributed, b.metricsDistributed) && eqm(a.metricsCentralized, b.metricsCentralized)
      && eqm(a.privacy, b.privacy) && a.stopped?.afterRound == b.stopped?.afterRound
      && a.stopped?.reason == b.stopped?.reason
      && a.simulatedTime.count == b.simulatedTime.count
      && zip(a.simulatedTime, b.simulatedTime).allSatisfy { $0.round == $1.round && $0.seconds == $1.seconds }
  }
}
