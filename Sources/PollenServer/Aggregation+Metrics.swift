import PollenCore

extension Aggregation {
  /// Weighted average of a numeric metric over clients: Σ nᵢ·mᵢ / Σ nᵢ (clients without it are
  /// skipped). The usual `evaluate_metrics_aggregation_fn` for accuracy.
  public static func weightedMetricAverage(_ name: String) -> MetricsAggregationFunction {
    { pairs in
      var num = 0.0
      var den = 0.0
      for (n, m) in pairs {
        guard let v = m[name]?.doubleValue else { continue }
        num += Double(n) * v
        den += Double(n)
      }
      return den > 0 ? [name: .double(num / den)] : [:]
    }
  }

  /// Weighted averages of every numeric metric the clients report (booleans and strings are left
  /// out): for each name, Σ nᵢ·mᵢ / Σ nᵢ over the clients that have it. What `pollen server`
  /// aggregates fit and evaluate metrics with.
  @Sendable public static func weightedNumericMetricAverages(
    _ pairs: [(numExamples: Int, metrics: Metrics)]
  ) -> Metrics {
    var sums: [String: (weighted: Double, weight: Double)] = [:]
    for (n, metrics) in pairs {
      for (name, value) in metrics {
        guard let v = value.doubleValue, value.boolValue == nil else { continue }
        sums[name, default: (0, 0)].weighted += Double(n) * v
        sums[name, default: (0, 0)].weight += Double(n)
      }
    }
    return sums.compactMapValues { $0.weight > 0 ? .double($0.weighted / $0.weight) : nil }
  }
}
