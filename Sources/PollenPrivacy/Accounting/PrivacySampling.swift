/// How each step of a composition draws the records (or clients) it uses, for privacy
/// amplification by sampling.
public enum PrivacySampling: Sendable, Hashable {
  /// Every record takes part independently with probability q (dp-accounting's
  /// `PoissonSampledDpEvent`, add-or-remove-one neighbours).
  case poisson
  /// A uniformly random subset of fixed size q·n (dp-accounting's
  /// `SampledWithoutReplacementDpEvent`, replace-one neighbours: the noise multiplier is
  /// relative to the replace-one sensitivity). Only the RDP accountant has an analysis for it.
  case withoutReplacement
  /// No amplification: every step uses every record, whatever the sampling rate
  /// (dp-accounting's plain `GaussianDpEvent`).
  case none
}
