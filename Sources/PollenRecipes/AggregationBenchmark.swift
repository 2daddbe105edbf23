import PollenCore
import PollenServer

/// Measures the FedAvg kernel as the server uses it: `K` float32 updates of `P` parameters, each
/// decoded from `.npy` bytes as a received `FitRes` is (the arrays are slices of those bytes),
/// folded one after the other into Flower's in-place running weighted sum (`WeightedSum`, rule
/// `WeightedSum/Rule/inplace`, as `FedAvg.accumulateFit` does), then divided by the total
/// weight (`WeightedSum/average()`). The throughput counts the `K·P·4` bytes of the updates,
/// for comparison with numpy's streaming read bandwidth (`Benchmarks/compare_aggregate.sh`).
public enum AggregationBenchmark {
  /// One measurement.
  public struct Result: Sendable {
    /// The number of updates folded (K).
    public var clients: Int
    /// The float32 parameters of each update (P).
    public var parameters: Int
    /// The layers each update is split into.
    public var layers: Int
    /// The best time of one aggregation (all K folds and the division), in seconds.
    public var seconds: Double
    /// The bytes of updates one aggregation reads: `K·P·4`.
    public var bytes: Int { clients * parameters * MemoryLayout<Float>.stride }
    /// ``bytes`` per second, in GB/s (10⁹ bytes).
    public var gigabytesPerSecond: Double { Double(bytes) / seconds / 1e9 }
  }

  /// The example count of update `k` (10 to 16, so the weights differ).
  public static func numExamples(client k: Int) -> Int { 10 + k % 7 }

  /// The sizes of `parameters` split into `layers` nearly equal layers (the first ones larger).
  public static func layerSizes(parameters: Int, layers: Int) -> [Int] {
    let l = max(1, min(layers, max(parameters, 1)))
    return (0..<l).map { parameters / l + ($0 < parameters % l ? 1 : 0) }
  }

  /// `clients` updates of `parameters` float32 values in `layers` layers, each decoded from its
  /// `.npy` encoding (no copy), with deterministic values in [-0.5, 0.5).
  public static func makeUpdates(clients: Int, parameters: Int, layers: Int = 1) -> [[NDArray]] {
    let sizes = layerSizes(parameters: parameters, layers: layers)
    return (0..<clients).map { k in
      sizes.enumerated().map { l, n in
        let values = [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
          for i in 0..<n {
            let h = UInt32(truncatingIfNeeded: (i &+ 31 &* l) &* 2_654_435_761 &+ k &* 40_503)
            buffer[i] = Float(h >> 8) * 0x1p-24 - 0.5
          }
          initialized = n
        }
        return try! NDArray(npy: NDArray(values, shape: [n]).npy())
      }
    }
  }

  /// The timed work: every update folded in order with weight ``numExamples(client:)``, then the
  /// average.
  public static func aggregate(_ updates: [[NDArray]]) -> [NDArray] {
    var sum = WeightedSum(rule: .inplace)
    for (k, update) in updates.enumerated() {
      sum.add(update, weight: Double(numExamples(client: k)))
    }
    return sum.average()
  }

  /// The best of `repetitions` timed aggregations (after one untimed warm-up) of `clients`
  /// updates of `parameters` float32 values in `layers` layers.
  public static func run(clients: Int, parameters: Int, layers: Int = 1, repetitions: Int = 5) -> Result {
    precondition(clients > 0 && parameters > 0, "at least one client and one parameter")
    let updates = makeUpdates(clients: clients, parameters: parameters, layers: layers)
    return measure(updates, parameters: parameters, repetitions: repetitions)
  }

  /// The best of `repetitions` timed aggregations of `updates` (after one untimed warm-up).
  public static func measure(_ updates: [[NDArray]], parameters: Int, repetitions: Int = 5) -> Result {
    let clock = ContinuousClock()
    var best = Double.infinity
    for rep in 0...max(1, repetitions) {
      let start = clock.now
      let average = aggregate(updates)
      let elapsed = clock.now - start
      precondition(average.count == updates.first?.count, "the average has every layer")
      if rep > 0 {
        let seconds = elapsed.inSeconds
        best = min(best, seconds)
      }
    }
    return Result(
      clients: updates.count, parameters: parameters, layers: updates.first?.count ?? 0, seconds: best)
  }
}
