import Metrics
import Prometheus

/// The process's swift-metrics backend: one Prometheus registry, bootstrapped on first use.
///
/// `MetricsSystem.bootstrap` may run only once per process, so the bootstrap happens in a lazily
/// initialised static (thread-safe) and every ``MetricsEndpoint`` reuses its registry. Metrics
/// created through swift-metrics before the bootstrap stay no-ops; create them at the point of use.
enum PrometheusBackend {
  /// Histogram buckets, in seconds, for every swift-metrics `Timer`: from a simulated round that
  /// takes milliseconds to a real federated round that takes an hour.
  static let durationBuckets: [Duration] = [
    .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
    .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
    .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
    .seconds(1800), .seconds(3600),
  ]

  /// The registry behind swift-metrics; the first access bootstraps `MetricsSystem` with it.
  static let registry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.defaultDurationHistogramBuckets = durationBuckets
    MetricsSystem.bootstrap(factory)
    return registry
  }()
}
