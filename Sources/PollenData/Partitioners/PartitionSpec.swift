import PollenCore

/// A partitioning scheme named by a short string, as the CLI's `--partition` takes it:
///
/// | string | partitioner |
/// |---|---|
/// | `iid` | ``IIDPartitioner`` |
/// | `dirichlet:<alpha>[:<min size>]` | ``DirichletPartitioner`` (min size 10 by default; small partitions topped up) |
/// | `shards:<k>` | ``ShardPartitioner`` with k shards per partition |
/// | `mixed:<iid fraction>` | ``MixedPartitioner`` (e.g. `mixed:0.5`) |
/// | `linear` | ``SizeSkewPartitioner`` with linear sizes |
/// | `exponential[:<ratio>]` | ``SizeSkewPartitioner``, largest/smallest ≈ ratio (10 by default) |
/// | `natural` | ``NaturalIDPartitioner`` (needs a key per example) |
///
/// ``description`` gives the canonical string back, so `PartitionSpec(parsing: s.description)`
/// equals `s`.
public enum PartitionSpec: Sendable, Hashable, CustomStringConvertible {
  case iid
  case dirichlet(alpha: Double, minPartitionSize: Int)
  case shards(perPartition: Int)
  case mixed(iidFraction: Double)
  case linear
  case exponential(ratio: Double)
  case natural

  /// The accepted forms, for help texts and error messages.
  public static let usage =
    "iid, dirichlet:<alpha>[:<min partition size>], shards:<shards per partition>, "
    + "mixed:<iid fraction 0...1>, linear, exponential[:<largest/smallest ratio>], natural"

  /// Parses a scheme such as `dirichlet:0.5` (case-insensitive, surrounding blanks ignored).
  /// - Throws: `PollenError` `.invalidArgument` naming the bad part and the accepted forms.
  public init(parsing text: String) throws {
    let parts = text.trimmingBlanks().lowercased().split(separator: ":", omittingEmptySubsequences: false)
      .map(String.init)
    let kind = parts[0]
    let arguments = Array(parts.dropFirst())
    func fail(_ problem: String) -> PollenError {
      PollenError(.invalidArgument, "partition '\(text)': \(problem); expected one of \(Self.usage)")
    }
    func arity(_ range: ClosedRange<Int>) throws {
      guard range.contains(arguments.count) else {
        let expected =
          range.lowerBound == range.upperBound
          ? "\(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound)"
        throw fail("'\(kind)' takes \(expected) argument(s), got \(arguments.count)")
      }
    }
    func number(_ index: Int, _ name: String, _ valid: (Double) -> Bool, _ rule: String) throws -> Double {
      guard let value = Double(arguments[index]), value.isFinite, valid(value) else {
        throw fail("\(name) '\(arguments[index])' must be \(rule)")
      }
      return value
    }
    func integer(_ index: Int, _ name: String, minimum: Int) throws -> Int {
      guard let value = Int(arguments[index]), value >= minimum else {
        throw fail("\(name) '\(arguments[index])' must be an integer ≥ \(minimum)")
      }
      return value
    }
    switch kind {
    case "iid":
      try arity(0...0)
      self = .iid
    case "dirichlet":
      try arity(1...2)
      let alpha = try number(0, "alpha", { $0 > 0 }, "a number > 0")
      let minimum = arguments.count > 1 ? try integer(1, "min partition size", minimum: 0) : 10
      self = .dirichlet(alpha: alpha, minPartitionSize: minimum)
    case "shards":
      try arity(1...1)
      self = .shards(perPartition: try integer(0, "shards per partition", minimum: 1))
    case "mixed":
      try arity(1...1)
      self = .mixed(iidFraction: try number(0, "iid fraction", { $0 >= 0 && $0 <= 1 }, "in 0...1"))
    case "linear":
      try arity(0...0)
      self = .linear
    case "exponential":
      try arity(0...1)
      let ratio = arguments.isEmpty ? 10 : try number(0, "ratio", { $0 >= 1 }, "a number ≥ 1")
      self = .exponential(ratio: ratio)
    case "natural":
      try arity(0...0)
      self = .natural
    case "":
      throw fail("empty scheme")
    default:
      throw fail("unknown scheme '\(kind)'")
    }
  }

  /// The canonical string, e.g. `dirichlet:0.5:10`.
  public var description: String {
    switch self {
    case .iid: "iid"
    case .dirichlet(let alpha, let minimum): "dirichlet:\(alpha):\(minimum)"
    case .shards(let k): "shards:\(k)"
    case .mixed(let fraction): "mixed:\(fraction)"
    case .linear: "linear"
    case .exponential(let ratio): "exponential:\(ratio)"
    case .natural: "natural"
    }
  }

  /// The partitioner this scheme names.
  /// - Parameter keys: one key per example, required by ``natural`` and ignored otherwise.
  /// - Throws: `PollenError` `.invalidArgument` for ``natural`` without keys.
  public func makePartitioner(keys: [String]? = nil) throws -> any Partitioner {
    switch self {
    case .iid: return IIDPartitioner()
    case .dirichlet(let alpha, let minimum):
      return DirichletPartitioner(alpha: alpha, minPartitionSize: minimum, topUp: true)
    case .shards(let k): return ShardPartitioner(shardsPerPartition: k)
    case .mixed(let fraction): return MixedPartitioner(iidFraction: fraction)
    case .linear: return SizeSkewPartitioner(.linear)
    case .exponential(let ratio): return SizeSkewPartitioner(.exponential(ratio: ratio))
    case .natural:
      guard let keys else {
        throw PollenError(
          .invalidArgument, "partition 'natural' needs an id per example (e.g. a CSV id column)")
      }
      return NaturalIDPartitioner(keys: keys)
    }
  }
}

extension String {
  fileprivate func trimmingBlanks() -> String {
    String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}
