import PollenCore

/// A model-poisoning attack: how a malicious client rewrites its honest update before sending it.
///
/// With `w` the global parameters a client received and `w'` what it trained, the honest update
/// is `Δ = w' − w`. The attacks send:
/// - ``signFlip(scale:)``: `w − scale · Δ` — the update reversed and boosted, so that a minority
///   of attackers outweighs the honest majority in a plain average (Fang et al. 2020 use −1;
///   a scale above the honest/attacker ratio defeats FedAvg).
/// - ``scale(_:)``: `w + K · Δ` (the "boosting" attack of Bhagoji et al. 2019).
/// - ``noise(sigma:)``: `w + Δ + N(0, σ²)` on every value (a Gaussian attack).
///
/// Values stay in the tensors' dtype and shape, so the attack is not caught by validation: only
/// a robust strategy can resist it.
public enum Attack: Sendable, Hashable, CustomStringConvertible {
  case signFlip(scale: Double)
  case scale(Double)
  case noise(sigma: Double)

  /// The default scale of ``signFlip(scale:)``.
  public static let defaultSignFlipScale = 10.0

  /// Parses `sign-flip[:K]`, `scale:K` or `noise:σ`.
  /// - Throws: `PollenError` `.invalidArgument` naming the valid forms.
  public init(parsing text: String) throws {
    let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
    let argument = parts.count == 2 ? Double(parts[1]) : nil
    if parts.count == 2 && (argument == nil || !argument!.isFinite) {
      throw PollenError(.invalidArgument, "attack '\(text)': '\(parts[1])' is not a number")
    }
    switch parts[0] {
    case "sign-flip", "signflip": self = .signFlip(scale: argument ?? Self.defaultSignFlipScale)
    case "scale":
      guard let argument else { throw PollenError(.invalidArgument, "attack scale needs a factor: scale:K") }
      self = .scale(argument)
    case "noise":
      guard let argument, argument >= 0 else {
        throw PollenError(.invalidArgument, "attack noise needs a standard deviation ≥ 0: noise:σ")
      }
      self = .noise(sigma: argument)
    default:
      throw PollenError(
        .invalidArgument, "unknown attack '\(text)'; valid attacks: sign-flip[:K], scale:K, noise:σ")
    }
  }

  public var description: String {
    switch self {
    case .signFlip(let s): return s == Self.defaultSignFlipScale ? "sign-flip" : "sign-flip:\(s)"
    case .scale(let k): return "scale:\(k)"
    case .noise(let sigma): return "noise:\(sigma)"
    }
  }

  /// The poisoned parameters for an honest `trained` model that started from `global`.
  /// - Throws: `PollenError` `.invalidArgument` when the two do not have the same layout.
  public func poison(trained: [NDArray], global: [NDArray], seed: UInt64) throws -> [NDArray] {
    guard trained.count == global.count else {
      throw PollenError(
        .invalidArgument, "attack: \(trained.count) trained tensors for \(global.count) global")
    }
    var rng = SeededRandom(seed: seed)
    return try zip(trained, global).map { t, g in
      guard t.shape == g.shape, t.dtype == g.dtype else {
        throw PollenError(
          .invalidArgument, "attack: tensor \(t.shape) \(t.dtype) against \(g.shape) \(g.dtype)")
      }
      guard t.dtype.isFloatingPoint else { return t }
      let w = g.doubles()
      let trainedValues = t.doubles()
      var out = [Double](repeating: 0, count: w.count)
      for i in 0..<w.count {
        let delta = trainedValues[i] - w[i]
        switch self {
        case .signFlip(let s): out[i] = w[i] - s * delta
        case .scale(let k): out[i] = w[i] + k * delta
        case .noise(let sigma): out[i] = trainedValues[i] + sigma * rng.nextGaussian()
        }
      }
      return NDArray(doubles: out, dtype: t.dtype, shape: t.shape)
    }
  }
}
