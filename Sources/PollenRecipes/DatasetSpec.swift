import Foundation
import PollenCore
import PollenData

/// Which data a job trains on, parsed from the CLI's `--dataset` value.
public enum DatasetSpec: Sendable, Hashable, CustomStringConvertible {
  /// The embedded UCI digits (1797 8×8 images, 10 classes).
  case digits
  /// The embedded Wisconsin breast cancer set (569 × 30, 2 classes).
  case breastCancer
  /// A CSV file the user brings; `labelColumn` counts from 0, negative from the end.
  case csv(path: String, labelColumn: Int)
  /// MNIST IDX files in a directory.
  case mnist(directory: String)
  /// Fashion-MNIST IDX files in a directory.
  case fashionMNIST(directory: String)
  /// CIFAR-10 binary batches in a directory.
  case cifar10(directory: String)
  /// The synthetic(α, β) federated data of the FedProx paper: each client has its own data.
  case synthetic(alpha: Double, beta: Double)

  /// Parses `digits | breast-cancer | csv:PATH | mnist:DIR | fashion-mnist:DIR | cifar10:DIR |
  /// synthetic:α,β`.
  public init(parsing text: String, labelColumn: Int = -1) throws {
    let (kind, arg) = text.split(separator: ":", maxSplits: 1).map(String.init).pairOrSingle
    switch kind {
    case "digits": self = .digits
    case "breast-cancer", "breast_cancer": self = .breastCancer
    case "csv": self = .csv(path: try Self.need(arg, text), labelColumn: labelColumn)
    case "mnist": self = .mnist(directory: try Self.need(arg, text))
    case "fashion-mnist", "fashion_mnist": self = .fashionMNIST(directory: try Self.need(arg, text))
    case "cifar10", "cifar-10": self = .cifar10(directory: try Self.need(arg, text))
    case "synthetic":
      let parts = (arg ?? "1,1").split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
      guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 0, b >= 0 else {
        throw PollenError(
          .invalidArgument, "dataset \(text): expected synthetic:α,β with α, β ≥ 0, e.g. synthetic:1,1")
      }
      self = .synthetic(alpha: a, beta: b)
    default:
      throw PollenError(
        .invalidArgument,
        "unknown dataset '\(text)'; use digits, breast-cancer, csv:PATH, mnist:DIR, fashion-mnist:DIR, cifar10:DIR or synthetic:α,β"
      )
    }
  }

  private static func need(_ arg: String?, _ text: String) throws -> String {
    guard let arg, !arg.isEmpty else {
      throw PollenError(.invalidArgument, "dataset \(text): a path is required after ':'")
    }
    return arg
  }

  public var description: String {
    switch self {
    case .digits: return "digits"
    case .breastCancer: return "breast-cancer"
    case .csv(let p, _): return "csv:\(p)"
    case .mnist(let d): return "mnist:\(d)"
    case .fashionMNIST(let d): return "fashion-mnist:\(d)"
    case .cifar10(let d): return "cifar10:\(d)"
    case .synthetic(let a, let b): return "synthetic:\(a),\(b)"
    }
  }

  /// Loads a centralised data set as (pool to partition among clients, test set for the server).
  /// Sets without their own test split hold out `testFraction` (stratified, seeded).
  public func load(testFraction: Double, seed: UInt64) throws -> (pool: Dataset, test: Dataset) {
    switch self {
    case .digits:
      let s = try EmbeddedDatasets.digits().split(trainFraction: 1 - testFraction, seed: seed)
      return (s.train, s.test)
    case .breastCancer:
      let s = try EmbeddedDatasets.breastCancer().split(trainFraction: 1 - testFraction, seed: seed)
      return (s.train, s.test)
    case .csv(let path, let column):
      let data = try CSVLoader.load(url: URL(fileURLWithPath: path), labelColumn: column, standardize: true)
      let s = data.split(trainFraction: 1 - testFraction, seed: seed)
      return (s.train, s.test)
    case .mnist(let d), .fashionMNIST(let d):
      let (train, test) = try IDXLoader.load(directory: URL(fileURLWithPath: d))
      return (train, test)
    case .cifar10(let d):
      let (train, test) = try CIFAR10Loader.load(directory: URL(fileURLWithPath: d))
      return (train, test)
    case .synthetic:
      throw PollenError(.internalError, "synthetic data is per client; use SyntheticFederated")
    }
  }
}

extension Array where Element == String {
  fileprivate var pairOrSingle: (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}
