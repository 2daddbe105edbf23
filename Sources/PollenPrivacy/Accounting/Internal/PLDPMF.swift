#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The probability mass function of a discretised privacy loss distribution with a
/// pessimistic estimate: dp-accounting 0.6.0's `SparsePLDPmf` / `DensePLDPmf`
/// (`pld/pld_pmf.py`). Losses are integer multiples of ``discretization``; mass at +∞ is kept
/// apart.
struct PLDPMF: Sendable {
  /// `_MAX_PMF_SPARSE_SIZE`.
  static let maxSparseSize = 1000

  enum Storage: Sendable {
    /// `SparsePLDPmf`: losses (ascending, in units of the discretisation) and their masses.
    case sparse(losses: [Int], probs: [Double])
    /// `DensePLDPmf`: the masses of lowerLoss, lowerLoss + 1, ….
    case dense(lowerLoss: Int, probs: [Double])
  }

  var storage: Storage
  let discretization: Double
  var infinityMass: Double

  /// The number of points.
  var size: Int {
    switch storage {
    case .sparse(let losses, _): losses.count
    case .dense(_, let probs): probs.count
    }
  }

  var isSparse: Bool {
    if case .sparse = storage { return true }
    return false
  }

  /// `create_pmf`: sparse up to 1000 points, dense above (the losses are contiguous here).
  static func create(lowerLoss: Int, probs: [Double], discretization: Double, infinityMass: Double) -> PLDPMF
  {
    if probs.count <= maxSparseSize {
      return PLDPMF(
        storage: .sparse(losses: Array(lowerLoss..<(lowerLoss + probs.count)), probs: probs),
        discretization: discretization, infinityMass: infinityMass)
    }
    return PLDPMF(
      storage: .dense(lowerLoss: lowerLoss, probs: probs), discretization: discretization,
      infinityMass: infinityMass)
  }

  /// `create_pmf_pessimistic_connect_dots_fixed_gap` (Algorithm 1 of "Connect the Dots",
  /// arXiv:2207.04380): the PMF on losses `lower…upper` (× discretisation) whose hockey-stick
  /// divergences at those losses are `deltas`.
  static func pessimisticConnectDots(
    discretization d: Double, roundedEpsilonLower lower: Int, roundedEpsilonUpper upper: Int,
    deltas raw: [Double]
  ) -> PLDPMF {
    precondition(upper >= lower && raw.count == upper - lower + 1)
    if lower == upper {
      return create(lowerLoss: lower, probs: [1 - raw[0]], discretization: d, infinityMass: raw[0])
    }
    var deltas = raw
    for i in 1..<deltas.count { deltas[i] = min(deltas[i], deltas[i - 1]) }  // np.minimum.accumulate
    let n = deltas.count
    let diffs = (0..<(n - 1)).map { deltas[$0 + 1] - deltas[$0] }
    var probs = [Double](repeating: 0, count: n)
    let expm1D = expm1(d)
    let expD = exp(d)
    probs[0] = 1 - deltas[0] + diffs[0] / expm1D
    for i in 1..<(n - 1) { probs[i] = (diffs[i] - diffs[i - 1] * expD) / expm1D }
    probs[n - 1] = diffs[n - 2] / expm1(-d)
    for i in 0..<n { probs[i] = max(0.0, probs[i]) }
    return create(lowerLoss: lower, probs: probs, discretization: d, infinityMass: deltas[n - 1])
  }

  /// `to_dense_pmf` (`common.dictionary_to_list` for a sparse one).
  func dense() -> (lowerLoss: Int, probs: [Double]) {
    switch storage {
    case .dense(let lowerLoss, let probs): return (lowerLoss, probs)
    case .sparse(let losses, let probs):
      let lower = losses.first!
      var out = [Double](repeating: 0, count: losses.last! - lower + 1)
      for (l, p) in zip(losses, probs) { out[l - lower] = p }
      return (lower, out)
    }
  }

  /// `compose_pmfs`: sparse × sparse stays sparse when the product of sizes is ≤ 1000
  /// (`SparsePLDPmf.compose`), otherwise dense (`DensePLDPmf.compose`, an FFT convolution).
  func compose(_ other: PLDPMF, tailMassTruncation: Double) -> PLDPMF {
    precondition(discretization == other.discretization, "discretisation intervals differ")
    let infinity = infinityMass + other.infinityMass - infinityMass * other.infinityMass
    if case .sparse(let l1, let p1) = storage, case .sparse(let l2, let p2) = other.storage,
      l1.count * l2.count <= Self.maxSparseSize
    {
      let base = l1[0] + l2[0]
      let span = l1.last! + l2.last! - base + 1
      var sums = [Double](repeating: 0, count: span)
      var present = [Bool](repeating: false, count: span)
      for (k1, v1) in zip(l1, p1) {
        for (k2, v2) in zip(l2, p2) {
          sums[k1 + k2 - base] += v1 * v2
          present[k1 + k2 - base] = true
        }
      }
      let keys = (0..<span).filter { present[$0] }
      let (offset, probs, rightMass) = Self.truncateTails(keys.map { sums[$0] }, tailMassTruncation)
      let losses = keys[offset..<(offset + probs.count)].map { $0 + base }
      return PLDPMF(
        storage: .sparse(losses: losses, probs: probs), discretization: discretization,
        infinityMass: infinity + rightMass)
    }
    let (lower1, probs1) = dense()
    let (lower2, probs2) = other.dense()
    let (offset, probs, rightMass) = Self.truncateTails(
      Convolution.linear(probs1, probs2), tailMassTruncation)
    return PLDPMF(
      storage: .dense(lowerLoss: lower1 + lower2 + offset, probs: probs), discretization: discretization,
      infinityMass: infinity + rightMass)
  }

  /// `self_compose`: `times` compositions with itself (a sparse PMF stays sparse only while
  /// size^times ≤ 1000; a dense one goes through one FFT power, `common.self_convolve`).
  func selfCompose(_ times: Int, tailMassTruncation: Double = 1e-15) -> PLDPMF {
    precondition(times >= 1)
    if isSparse {
      if times == 1 { return self }
      var maxResultSize = 1
      for _ in 0..<times where maxResultSize <= Self.maxSparseSize { maxResultSize *= size }
      if maxResultSize <= Self.maxSparseSize {
        var result = self
        for i in 2...times {
          result = result.compose(self, tailMassTruncation: i != times ? 0 : tailMassTruncation)
        }
        return result
      }
    }
    let (lower, probs) = dense()
    let (truncationLower, convolved) = Convolution.selfConvolve(
      probs, times: times, tailMassTruncation: tailMassTruncation)
    // 1 − (1 − ∞-mass)^times, stably, plus the truncated tails.
    let infinity = tailMassTruncation - expm1(Double(times) * log1p(-infinityMass))
    return PLDPMF(
      storage: .dense(lowerLoss: lower * times + truncationLower, probs: convolved),
      discretization: discretization,
      infinityMass: infinity)
  }

  /// `_truncate_tails` (pessimistic): drops the longest prefix and suffix each of mass
  /// ≤ truncation / 2; the prefix's mass goes to the first entry kept, the suffix's to +∞.
  static func truncateTails(_ probs: [Double], _ truncation: Double) -> (
    offset: Int, probs: [Double], rightMass: Double
  ) {
    if truncation == 0 || probs.isEmpty { return (0, probs, 0) }
    let threshold = truncation / 2
    let n = probs.count
    return probs.withUnsafeBufferPointer { p in
      var s = 0.0
      var left = 0
      while left < n {
        s += p[left]
        if s > threshold { break }
        left += 1
      }
      s = 0
      var suffix = 0
      while suffix < n {
        s += p[n - 1 - suffix]
        if s > threshold { break }
        suffix += 1
      }
      left = min(left, n - 1)
      let right = min(max(n - suffix, left + 1), n)
      var leftMass = 0.0
      for i in 0..<left { leftMass += p[i] }
      var rightMass = 0.0
      for i in right..<n { rightMass += p[i] }
      var kept = Array(p[left..<right])
      kept[0] += leftMass
      return (left, kept, rightMass)
    }
  }

  /// `get_epsilon_for_delta` (`_get_epsilon_for_delta`): the smallest ε ≥ 0 whose hockey-stick
  /// divergence is ≤ δ, ∞ when the mass at +∞ exceeds δ. Steps down from the largest loss.
  func epsilon(forDelta delta: Double) -> Double {
    if infinityMass > delta { return .infinity }
    var massUpper = infinityMass
    var massLower = 0.0
    /// One step of the loop; `nil` to go on, else the answer (`.nan` to stop and conclude).
    func step(_ loss: Double, _ prob: Double) -> Double? {
      if massUpper > delta && massLower > 0 && log((massUpper - delta) / massLower) >= loss { return .nan }
      massUpper += prob
      massLower += exp(-loss) * prob
      if massUpper >= delta && massLower == 0 { return max(0, loss) }
      return nil
    }
    var answer: Double?
    switch storage {
    case .sparse(let losses, let probs):
      for i in stride(from: losses.count - 1, through: 0, by: -1) {
        answer = step(Double(losses[i]) * discretization, probs[i])
        if answer != nil { break }
      }
    case .dense(let lowerLoss, let probs):
      // itertools.count(upper_loss, -discretization): repeated subtraction.
      var loss = Double(lowerLoss + probs.count - 1) * discretization
      probs.withUnsafeBufferPointer { p in
        for i in stride(from: p.count - 1, through: 0, by: -1) {
          answer = step(loss, p[i])
          if answer != nil { break }
          loss += -discretization
        }
      }
    }
    if let answer, !answer.isNaN { return answer }
    if massUpper <= massLower + delta { return 0 }
    return log((massUpper - delta) / massLower)
  }

  /// `get_delta_for_epsilon` (`_get_delta_for_epsilon`): the ε-hockey-stick divergence.
  func delta(forEpsilon epsilon: Double) -> Double {
    var delta = infinityMass
    switch storage {
    case .sparse(let losses, let probs):
      for (l, p) in zip(losses, probs) {
        let loss = Double(l) * discretization
        if loss > epsilon { delta += -expm1(epsilon - loss) * p }
      }
    case .dense(let lowerLoss, let probs):
      for (i, p) in probs.enumerated() {
        let loss = Double(i + lowerLoss) * discretization
        if loss > epsilon { delta += -expm1(epsilon - loss) * p }
      }
    }
    return delta
  }
}
