import PollenCore
import PollenServer

/// A ``History`` as rows of `(round, series, name, value)`, the run store's `history` table:
/// one row per loss, metric value, privacy value, failure, simulated time and timing field (and
/// the reason a run stopped early).
enum HistoryRows {
  struct Row: Equatable {
    var round: Int
    var series: String
    var name: String
    var value: Scalar
  }

  /// The rows of `round` in `history`, in the order ``history(from:)`` rebuilds them.
  static func rows(of history: History, round: Int) -> [Row] {
    var out: [Row] = []
    func losses(_ series: String, _ xs: [(round: Int, loss: Double)]) {
      for x in xs where x.round == round {
        out.append(Row(round: round, series: series, name: "", value: .double(x.loss)))
      }
    }
    func metrics(_ series: String, _ m: [String: [(round: Int, value: Scalar)]]) {
      for name in m.keys.sorted() {
        for x in m[name]! where x.round == round {
          out.append(Row(round: round, series: series, name: name, value: x.value))
        }
      }
    }
    losses("losses_distributed", history.lossesDistributed)
    losses("losses_centralized", history.lossesCentralized)
    metrics("metrics_distributed_fit", history.metricsDistributedFit)
    metrics("metrics_distributed", history.metricsDistributed)
    metrics("metrics_centralized", history.metricsCentralized)
    metrics("privacy", history.privacy)
    losses("simulated_time", history.simulatedTime.map { ($0.round, $0.seconds) })
    if let stopped = history.stopped, stopped.afterRound == round {
      out.append(Row(round: round, series: "stopped", name: "", value: .string(stopped.reason)))
    }
    for f in history.failures where f.round == round {
      out.append(Row(round: round, series: "failure", name: f.cid, value: .string(f.reason)))
    }
    for t in history.timings where t.round == round {
      for (name, value) in t.fields {
        out.append(Row(round: round, series: "timing", name: name, value: .double(value)))
      }
    }
    return out
  }

  /// The history the rows describe (rows in the order they were saved).
  static func history(from rows: [Row]) throws -> History {
    var h = History()
    var timings: [Int: [String: Double]] = [:]
    var timingOrder: [Int] = []
    for r in rows {
      switch r.series {
      case "losses_distributed": h.lossesDistributed.append((r.round, try double(r)))
      case "losses_centralized": h.lossesCentralized.append((r.round, try double(r)))
      case "metrics_distributed_fit": h.metricsDistributedFit[r.name, default: []].append((r.round, r.value))
      case "metrics_distributed": h.metricsDistributed[r.name, default: []].append((r.round, r.value))
      case "metrics_centralized": h.metricsCentralized[r.name, default: []].append((r.round, r.value))
      case "privacy": h.privacy[r.name, default: []].append((r.round, r.value))
      case "stopped": h.stopped = (r.round, r.value.stringValue ?? "\(r.value)")
      case "simulated_time": h.simulatedTime.append((r.round, try double(r)))
      case "failure": h.failures.append((r.round, r.name, r.value.stringValue ?? "\(r.value)"))
      case "timing":
        if timings[r.round] == nil { timingOrder.append(r.round) }
        timings[r.round, default: [:]][r.name] = try double(r)
      default:
        throw PollenError(.invalidArgument, "unknown history series \"\(r.series)\" in round \(r.round)")
      }
    }
    h.timings = timingOrder.map { RoundTiming(round: $0, fields: timings[$0]!) }
    return h
  }

  private static func double(_ r: Row) throws -> Double {
    guard case .double(let v) = r.value else {
      throw PollenError(.invalidArgument, "history row \(r.series) of round \(r.round) is not a number")
    }
    return v
  }
}
