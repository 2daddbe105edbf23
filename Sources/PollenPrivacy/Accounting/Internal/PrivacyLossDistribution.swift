/// A privacy loss distribution for add-or-remove-one neighbours: the remove PMF and, when it
/// differs (sampling with q < 1), the add PMF; ε and δ are the worse of the two. dp-accounting
/// 0.6.0's `PrivacyLossDistribution` (`pld/privacy_loss_distribution.py`).
struct PrivacyLossDistribution: Sendable {
  var remove: PLDPMF
  /// `nil` when symmetric (the add PMF is the remove one).
  var add: PLDPMF?

  /// `identity`: no privacy loss (all mass at 0).
  static func identity(discretization: Double) -> Self {
    Self(remove: .create(lowerLoss: 0, probs: [1], discretization: discretization, infinityMass: 0), add: nil)
  }

  /// `from_gaussian_mechanism(standard_deviation, sampling_prob=…)`, sensitivity 1, pessimistic,
  /// connect-the-dots, log mass truncation −50.
  static func gaussian(standardDeviation: Double, samplingProb: Double, discretization: Double) -> Self {
    let remove = GaussianPrivacyLoss(
      standardDeviation: standardDeviation, samplingProb: samplingProb, adjacency: .remove
    )
    .pmf(discretization: discretization)
    if samplingProb == 1 { return Self(remove: remove, add: nil) }
    let add = GaussianPrivacyLoss(
      standardDeviation: standardDeviation, samplingProb: samplingProb, adjacency: .add
    )
    .pmf(discretization: discretization)
    return Self(remove: remove, add: add)
  }

  /// `compose` (tail mass truncation 1e-15, dp-accounting's default).
  func compose(_ other: Self, tailMassTruncation: Double = 1e-15) -> Self {
    let remove = self.remove.compose(other.remove, tailMassTruncation: tailMassTruncation)
    if add == nil && other.add == nil { return Self(remove: remove, add: nil) }
    let add = (self.add ?? self.remove).compose(
      other.add ?? other.remove, tailMassTruncation: tailMassTruncation)
    return Self(remove: remove, add: add)
  }

  /// `self_compose` (tail mass truncation 1e-15).
  func selfCompose(_ times: Int, tailMassTruncation: Double = 1e-15) -> Self {
    Self(
      remove: remove.selfCompose(times, tailMassTruncation: tailMassTruncation),
      add: add?.selfCompose(times, tailMassTruncation: tailMassTruncation))
  }

  /// `get_epsilon_for_delta`.
  func epsilon(forDelta delta: Double) -> Double {
    let e = remove.epsilon(forDelta: delta)
    guard let add else { return e }
    return max(e, add.epsilon(forDelta: delta))
  }

  /// `get_delta_for_epsilon`.
  func delta(forEpsilon epsilon: Double) -> Double {
    let d = remove.delta(forEpsilon: epsilon)
    guard let add else { return d }
    return max(d, add.delta(forEpsilon: epsilon))
  }
}
