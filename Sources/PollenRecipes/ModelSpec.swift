import PollenCore
import PollenNN

/// Which model a job trains: `logreg`, `mlp` or `cnn` (McMahan et al. 2017's CNN).
public enum ModelSpec: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
  case logreg, mlp, cnn

  public init(parsing text: String) throws {
    guard let m = ModelSpec(rawValue: text.lowercased()) else {
      throw PollenError(.invalidArgument, "unknown model '\(text)'; use logreg, mlp or cnn")
    }
    self = m
  }

  public var description: String { rawValue }

  /// The model for examples of `inputShape` and `classes` classes, initialised from `seed`.
  /// The CNN reads flat examples of a square size (such as the 64 pixels of UCI digits) as
  /// one-channel square images.
  public func make(inputShape: [Int], classes: Int, seed: UInt64) throws -> Sequential {
    var inputShape = inputShape
    if self == .cnn, inputShape.count == 1 {
      let side = Int(Double(inputShape[0]).squareRoot().rounded())
      if side * side == inputShape[0] && side >= 4 { inputShape = [1, side, side] }
    }
    switch self {
    case .logreg: return Models.logisticRegression(inputShape: inputShape, classes: classes)
    case .mlp: return Models.mlp(inputShape: inputShape, hidden: [64], classes: classes, seed: seed)
    case .cnn:
      guard inputShape.count == 3 else {
        throw PollenError(
          .invalidArgument,
          "the CNN needs image data ([channels, height, width]) or flat square images; this data set has "
            + "shape \(inputShape)")
      }
      return Models.cnn(inputShape: inputShape, classes: classes, seed: seed)
    }
  }
}
