import PollenCore

/// The settings of a SecAgg+ round: Flower's `SecAggPlusWorkflow` parameters with its defaults
/// (`flwr/server/workflow/secure_aggregation/secaggplus_workflow.py`).
///
/// Checked by ``validate()`` before a run starts; the per-round values (shares and threshold
/// for the clients sampled) come from ``resolve(sampleCount:)``, before any stage is sent.
public struct SecAggPlusConfig: Sendable, Hashable, CustomStringConvertible {
  /// A count, or a fraction of something known only at run time.
  public enum Amount: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    case fraction(Double)

    /// `"5"` is a count, `"0.5"` a fraction; `"1"` means all (`fraction(1)`), as in Flower.
    public init?(parsing text: String) {
      if let n = Int(text) {
        self = n == 1 ? .fraction(1) : .count(n)
      } else if let x = Double(text), x.isFinite {
        self = .fraction(x)
      } else {
        return nil
      }
    }

    public var description: String {
      switch self {
      case .count(let n): "\(n)"
      case .fraction(let x): "\(x)"
      }
    }
  }

  /// Shares each client's secrets are split into: itself and `num_shares − 1` neighbours on a
  /// ring of the round's clients (a fraction: of the clients sampled). Counts must be odd and
  /// at least 3 (each client has as many neighbours on either side); Flower's clients crash on
  /// even counts, Pollen refuses them up front. Default 5.
  public var numShares: Amount
  /// Shares needed to reconstruct a secret (a fraction: of the shares); at least 2 and, as a
  /// count, below ``numShares``. Default 3 (a majority of 5, which SecAgg+'s privacy needs).
  public var reconstructionThreshold: Amount
  /// The largest weight (`num_examples`) a client should report; weights are quantized as a
  /// fraction of it. Default 1000.
  public var maxWeight: Double
  /// Parameters are clipped to ±this before quantization. Default 8.
  public var clippingRange: Double
  /// Parameters are quantized to integers in [0, this]. Default 2²².
  public var quantizationRange: UInt64
  /// Masks and sums are taken modulo this power of two (≤ 2⁶³; ≤ 2³² puts 32-bit integers on
  /// the wire). Default 2³².
  public var modulusRange: UInt64
  /// The time limit of each stage's client calls, in seconds; `nil`: the round's timeout.
  public var timeout: Double?

  public init(
    numShares: Amount = .count(5), reconstructionThreshold: Amount = .count(3), maxWeight: Double = 1000,
    clippingRange: Double = 8, quantizationRange: UInt64 = 1 << 22, modulusRange: UInt64 = 1 << 32,
    timeout: Double? = nil
  ) {
    self.numShares = numShares
    self.reconstructionThreshold = reconstructionThreshold
    self.maxWeight = maxWeight
    self.clippingRange = clippingRange
    self.quantizationRange = quantizationRange
    self.modulusRange = modulusRange
    self.timeout = timeout
  }

  /// Flower's defaults, with 5 shares and a threshold of 3.
  public static var defaults: SecAggPlusConfig { SecAggPlusConfig() }

  /// The defaults changed by `configure`.
  public static func defaults(configure: (inout SecAggPlusConfig) -> Void) -> SecAggPlusConfig {
    var c = defaults
    configure(&c)
    return c
  }

  /// The option names of ``init(options:)``.
  public static let optionNames = [
    "num_shares", "reconstruction_threshold", "max_weight", "clipping_range", "quantization_range",
    "modulus_range", "timeout",
  ]

  /// The defaults changed by `key=value` options (``optionNames``), validated.
  ///
  /// - Throws: `PollenError(.invalidArgument)` naming an unknown key, a bad value or a rule
  ///   ``validate()`` enforces.
  public init(options: [String: String]) throws(PollenError) {
    self = .defaults
    for (key, value) in options.sorted(by: { $0.key < $1.key }) {
      func bad(_ what: String) -> PollenError {
        PollenError(.invalidArgument, "secagg option \(key)=\(value): \(what)")
      }
      func integer() throws(PollenError) -> UInt64 {
        if let n = UInt64(value) { return n }
        // 2^22 and 4194304 both read.
        let parts = value.split(separator: "^")
        if parts.count == 2, let b = UInt64(parts[0]), let e = UInt64(parts[1]), b == 2, e < 64 {
          return 1 << e
        }
        throw bad("expected a positive integer (or 2^N)")
      }
      switch key {
      case "num_shares":
        guard let a = Amount(parsing: value) else { throw bad("expected an integer or a fraction") }
        numShares = a
      case "reconstruction_threshold":
        guard let a = Amount(parsing: value) else { throw bad("expected an integer or a fraction") }
        reconstructionThreshold = a
      case "max_weight", "clipping_range", "timeout":
        guard let x = Double(value) else { throw bad("expected a number") }
        if key == "max_weight" {
          maxWeight = x
        } else if key == "clipping_range" {
          clippingRange = x
        } else {
          timeout = x
        }
      case "quantization_range": quantizationRange = try integer()
      case "modulus_range": modulusRange = try integer()
      default:
        throw PollenError(
          .invalidArgument, "unknown secagg option \(key); known: \(Self.optionNames.joined(separator: ", "))"
        )
      }
    }
    try validate()
  }

  /// Checks the rules Flower's `_check_init_params` checks, and refuses what would crash or
  /// silently break a round: even share counts, thresholds that cannot work, overflowing ranges.
  ///
  /// - Throws: `PollenError(.invalidArgument)` saying which setting is wrong and why.
  public func validate() throws(PollenError) {
    func fail(_ message: String) -> PollenError { PollenError(.invalidArgument, "SecAgg+: \(message)") }
    switch numShares {
    case .count(let n):
      guard n >= 3 else {
        throw fail("num_shares \(n) must be at least 3 (or 1 / a fraction for all clients)")
      }
      guard n % 2 == 1 else {
        throw fail(
          "num_shares \(n) is even: each client shares with itself and as many neighbours on either side of the ring, so use an odd count (\(n - 1) or \(n + 1)) or a fraction"
        )
      }
    case .fraction(let x):
      guard x > 0, x <= 1 else { throw fail("num_shares as a fraction must be in (0, 1], got \(x)") }
    }
    switch reconstructionThreshold {
    case .count(let t):
      guard t >= 2 else { throw fail("reconstruction_threshold \(t) must be at least 2") }
      if case .count(let n) = numShares, t >= n {
        throw fail("reconstruction_threshold \(t) must be less than num_shares \(n)")
      }
    case .fraction(let x):
      guard x > 0, x <= 1 else {
        throw fail("reconstruction_threshold as a fraction must be in (0, 1], got \(x)")
      }
    }
    guard maxWeight > 0, maxWeight.isFinite else { throw fail("max_weight must be a positive number") }
    guard clippingRange > 0, clippingRange.isFinite else {
      throw fail("clipping_range must be a positive number")
    }
    guard quantizationRange > 0 else { throw fail("quantization_range must be a positive integer") }
    guard modulusRange & (modulusRange &- 1) == 0, modulusRange <= 1 << 63, modulusRange > 1 else {
      throw fail("modulus_range \(modulusRange) must be a power of 2, at most 2^63")
    }
    guard modulusRange > quantizationRange else {
      throw fail("modulus_range \(modulusRange) must be greater than quantization_range \(quantizationRange)")
    }
    if let timeout, !(timeout > 0 && timeout.isFinite) {
      throw fail("timeout must be a positive number of seconds")
    }
  }

  /// The shares and threshold of a round with `sampleCount` clients (Flower's `setup_stage`):
  /// fractions are rounded half to even as Python's `round` (shares to an odd count, at least 3 unless that is everyone;
  /// threshold at least 2), and shares are capped at the clients there are.
  ///
  /// - Throws: `PollenError(.invalidArgument)` when the round cannot be run securely: fewer than
  ///   2 clients, a threshold above the shares, or sums that would overflow ``modulusRange``.
  public func resolve(sampleCount n: Int) throws(PollenError) -> (numShares: Int, threshold: Int) {
    guard n >= 2 else {
      throw PollenError(.invalidArgument, "SecAgg+ needs at least 2 clients in a round, got \(n)")
    }
    var shares: Int
    switch numShares {
    case .count(let k): shares = k
    case .fraction(let x):
      shares = Int((x * Double(n)).rounded(.toNearestOrEven))
      if shares < n, shares % 2 == 0 { shares += 1 }
      if shares <= 2 { shares = n }
    }
    shares = min(shares, n)
    let threshold: Int
    switch reconstructionThreshold {
    case .count(let t): threshold = t
    case .fraction(let x): threshold = max(Int((x * Double(shares)).rounded(.toNearestOrEven)), 2)
    }
    guard threshold <= shares else {
      throw PollenError(
        .invalidArgument,
        "SecAgg+: reconstruction_threshold \(threshold) exceeds the \(shares) shares a round of \(n) clients has"
      )
    }
    // Each client's entries are at most quantizationRange; n of them must stay below the modulus.
    let (product, overflow) = UInt64(n).multipliedReportingOverflow(by: quantizationRange)
    guard !overflow, product < modulusRange else {
      throw PollenError(
        .invalidArgument,
        "SecAgg+: \(n) clients × quantization_range \(quantizationRange) overflow modulus_range \(modulusRange); raise modulus_range or sample fewer clients"
      )
    }
    return (shares, threshold)
  }

  public var description: String {
    "SecAgg+(num_shares=\(numShares), reconstruction_threshold=\(reconstructionThreshold), max_weight=\(maxWeight), clipping_range=\(clippingRange), quantization_range=\(quantizationRange), modulus_range=\(modulusRange)\(timeout.map { ", timeout=\($0)" } ?? ""))"
  }

  /// The settings as `(key, value)` pairs, for run settings and reports.
  public var settings: [(key: String, value: String)] {
    [
      ("secagg", "secaggplus"), ("secagg_num_shares", "\(numShares)"),
      ("secagg_reconstruction_threshold", "\(reconstructionThreshold)"),
      ("secagg_max_weight", "\(maxWeight)"),
      ("secagg_clipping_range", "\(clippingRange)"), ("secagg_quantization_range", "\(quantizationRange)"),
      ("secagg_modulus_range", "\(modulusRange)"),
    ] + (timeout.map { [("secagg_timeout", "\($0)")] } ?? [])
  }
}
