import Dispatch
import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// float32 and float64, the element types of ``WeightedSum``'s double-precision fast path.
protocol FastSumElement: NDArrayScalar {
  /// The element as a `Double` (exact).
  var asDouble: Double { get }
  /// `value` rounded to this type (to nearest, as numpy's `astype`).
  init(rounding value: Double)
}

extension Float: FastSumElement {
  @inline(__always) var asDouble: Double { Double(self) }
  @inline(__always) init(rounding value: Double) { self.init(value) }
}

extension Double: FastSumElement {
  @inline(__always) var asDouble: Double { self }
  @inline(__always) init(rounding value: Double) { self = value }
}

extension Kernels {
  /// A fast-path term of a running sum: a float32 or float64 layer and its weight.
  typealias Term = (array: NDArray, weight: Double)

  /// How many terms ``fold(_:into:count:initialize:)`` and ``finish(_:sum:terms:count:scale:)``
  /// take at once.
  static let maximumTerms = 8

  /// How many terms one loop over the elements adds; more terms are added in groups of this
  /// many, block by block (``blockElements``), so the accumulator's block is still in cache
  /// when the next group adds to it.
  static let termsPerLoop = 4

  /// The elements of one block of a fold of more than ``termsPerLoop`` terms (128 KiB of
  /// double-precision accumulator).
  static let blockElements = 1 << 14

  /// Below this many elements a loop runs on one core.
  static let parallelThreshold = 1 << 17

  /// The cores a loop is split across.
  static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

  /// `acc[i] = start + w₀·x₀[i] + w₁·x₁[i] + …`, left to right, where `start` is `acc[i]` or,
  /// with `initialize`, `0` (so `acc` may be uninitialised). Every element sees exactly the
  /// operations of one `acc[i] += wⱼ·xⱼ[i]` pass per term, in order, so the result is bit for bit
  /// that of folding the terms one at a time; the accumulator is read from and written to memory
  /// once (with more than ``termsPerLoop`` terms, each block of it stays in cache between
  /// groups).
  ///
  /// `terms`: 1 to ``maximumTerms`` layers of `count` elements, all float32 or all float64.
  static func fold(
    _ terms: ArraySlice<Term>, into acc: UnsafeMutablePointer<Double>, count: Int, initialize: Bool
  ) {
    precondition((1...maximumTerms).contains(terms.count), "1 to \(maximumTerms) terms")
    switch terms.first!.array.dtype {
    case .float32:
      withTermGroups(terms, Float.self) { groups in
        parallelFor(count) { lo, hi in foldBlocks(groups, acc, lo, hi, initialize: initialize) }
      }
    case .float64:
      withTermGroups(terms, Double.self) { groups in
        parallelFor(count) { lo, hi in foldBlocks(groups, acc, lo, hi, initialize: initialize) }
      }
    default: preconditionFailure("fold takes float32 or float64 terms")
    }
  }

  /// `out[i] = Out((start + w₀·x₀[i] + …) · scale)`, with `start` = `sum[i]`, or `0` without a
  /// `sum`: the average of a running sum whose last `terms` (0 to ``maximumTerms``, all float32
  /// or all float64) are not folded in yet, bit for bit as folding them and then dividing.
  static func finish<Out: FastSumElement>(
    _ out: UnsafeMutablePointer<Out>, sum: UnsafeMutablePointer<Double>?, terms: ArraySlice<Term>,
    count: Int, scale: Double
  ) {
    precondition(terms.count <= maximumTerms && (sum != nil || !terms.isEmpty))
    switch terms.first?.array.dtype ?? .float64 {
    case .float32:
      withTermGroups(terms, Float.self) { groups in
        parallelFor(count) { lo, hi in finishBlocks(groups, sum, out, lo, hi, scale) }
      }
    case .float64:
      withTermGroups(terms, Double.self) { groups in
        parallelFor(count) { lo, hi in finishBlocks(groups, sum, out, lo, hi, scale) }
      }
    default: preconditionFailure("finish takes float32 or float64 terms")
    }
  }

  /// Up to four terms' element pointers and weights (unused slots repeat the first).
  struct TermPointers<X: FastSumElement> {
    var count: Int
    var x0, x1, x2, x3: UnsafePointer<X>
    var w0, w1, w2, w3: Double

    /// The same terms from element `offset` on (for a block's own indices from 0).
    func advanced(by offset: Int) -> TermPointers {
      var t = self
      (t.x0, t.x1, t.x2, t.x3) = (x0 + offset, x1 + offset, x2 + offset, x3 + offset)
      return t
    }
  }

  /// Calls `body` with the terms' elements in place, in groups of ``termsPerLoop`` (one group,
  /// of no terms, when there are none).
  private static func withTermGroups<X: FastSumElement, R>(
    _ terms: ArraySlice<Term>, _ type: X.Type, _ body: ([TermPointers<X>]) -> R
  ) -> R {
    func collect(_ rest: ArraySlice<Term>, _ groups: [TermPointers<X>]) -> R {
      if rest.isEmpty, !groups.isEmpty { return body(groups) }
      let group = rest.prefix(termsPerLoop)
      return withTerms(group, X.self) { t in collect(rest.dropFirst(group.count), groups + [t]) }
    }
    return collect(terms, [])
  }

  /// ``foldRange`` of each group in turn over `lo..<hi`, block by block when there are several.
  private static func foldBlocks<X: FastSumElement>(
    _ groups: [TermPointers<X>], _ acc: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, initialize: Bool
  ) {
    guard groups.count > 1 else { return foldRange(groups[0], acc, lo, hi, initialize: initialize) }
    var start = lo
    while start < hi {
      let end = min(hi, start + blockElements)
      for (g, t) in groups.enumerated() { foldRange(t, acc, start, end, initialize: initialize && g == 0) }
      start = end
    }
  }

  /// ``finishRange`` over `lo..<hi`; with several groups, block by block: the sum's block (or 0)
  /// and every group but the last folded into a scratch block, then finished with the last.
  private static func finishBlocks<X: FastSumElement, Out: FastSumElement>(
    _ groups: [TermPointers<X>], _ sum: UnsafeMutablePointer<Double>?, _ out: UnsafeMutablePointer<Out>,
    _ lo: Int, _ hi: Int, _ scale: Double
  ) {
    guard groups.count > 1 else { return finishRange(groups[0], sum, out, lo, hi, scale) }
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: blockElements)
    defer { scratch.deallocate() }
    var start = lo
    while start < hi {
      let end = min(hi, start + blockElements)
      let n = end - start
      if let sum { scratch.update(from: sum + start, count: n) }
      for (g, t) in groups.dropLast().enumerated() {
        foldRange(t.advanced(by: start), scratch, 0, n, initialize: sum == nil && g == 0)
      }
      finishRange(groups[groups.count - 1].advanced(by: start), scratch, out + start, 0, n, scale)
      start = end
    }
  }

  /// Calls `body` with the terms' elements in place.
  private static func withTerms<X: FastSumElement, R>(
    _ terms: ArraySlice<Term>, _ type: X.Type, _ body: (TermPointers<X>) -> R
  ) -> R {
    func collect(_ rest: ArraySlice<Term>, _ pointers: [UnsafePointer<X>]) -> R {
      guard let term = rest.first else {
        let p = pointers.isEmpty ? [UnsafePointer<X>(bitPattern: MemoryLayout<X>.alignment)!] : pointers
        let w = terms.map(\.weight) + [0]
        return body(
          TermPointers(
            count: pointers.count, x0: p[0], x1: p[min(1, p.count - 1)], x2: p[min(2, p.count - 1)],
            x3: p[min(3, p.count - 1)], w0: w[0], w1: w[min(1, w.count - 1)], w2: w[min(2, w.count - 1)],
            w3: w[min(3, w.count - 1)]))
      }
      return term.array.withUnsafeBufferPointer(as: X.self) { buffer in
        let base = buffer.baseAddress ?? UnsafePointer<X>(bitPattern: MemoryLayout<X>.alignment)!
        return collect(rest.dropFirst(), pointers + [base])
      }
    }
    return collect(terms, [])
  }

  @inline(__always)
  private static func foldLoop(
    _ acc: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, _ value: (Int) -> Double
  ) {
    for i in lo..<hi { acc[i] = value(i) }
  }

  private static func foldRange<X: FastSumElement>(
    _ t: TermPointers<X>, _ acc: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, initialize: Bool
  ) {
    let (x0, x1, x2, x3) = (t.x0, t.x1, t.x2, t.x3)
    let (w0, w1, w2, w3) = (t.w0, t.w1, t.w2, t.w3)
    switch (t.count, initialize) {
    case (1, false): foldLoop(acc, lo, hi) { acc[$0] + w0 * x0[$0].asDouble }
    case (1, true): foldLoop(acc, lo, hi) { 0 + w0 * x0[$0].asDouble }
    case (2, false): foldLoop(acc, lo, hi) { acc[$0] + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble }
    case (2, true): foldLoop(acc, lo, hi) { 0 + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble }
    case (3, false):
      foldLoop(acc, lo, hi) { acc[$0] + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble }
    case (3, true):
      foldLoop(acc, lo, hi) { 0 + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble }
    case (4, false):
      foldLoop(acc, lo, hi) {
        acc[$0] + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble + w3 * x3[$0].asDouble
      }
    case (4, true):
      foldLoop(acc, lo, hi) {
        0 + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble + w3 * x3[$0].asDouble
      }
    default: preconditionFailure("1 to 4 terms")
    }
  }

  @inline(__always)
  private static func finishLoop<Out: FastSumElement>(
    _ out: UnsafeMutablePointer<Out>, _ lo: Int, _ hi: Int, _ scale: Double, _ value: (Int) -> Double
  ) {
    for i in lo..<hi { out[i] = Out(rounding: value(i) * scale) }
  }

  private static func finishRange<X: FastSumElement, Out: FastSumElement>(
    _ t: TermPointers<X>, _ sum: UnsafeMutablePointer<Double>?, _ out: UnsafeMutablePointer<Out>,
    _ lo: Int, _ hi: Int, _ scale: Double
  ) {
    let (x0, x1, x2, x3) = (t.x0, t.x1, t.x2, t.x3)
    let (w0, w1, w2, w3) = (t.w0, t.w1, t.w2, t.w3)
    if let s = sum {
      switch t.count {
      case 0: finishLoop(out, lo, hi, scale) { s[$0] }
      case 1: finishLoop(out, lo, hi, scale) { s[$0] + w0 * x0[$0].asDouble }
      case 2: finishLoop(out, lo, hi, scale) { s[$0] + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble }
      case 3:
        finishLoop(out, lo, hi, scale) {
          s[$0] + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble
        }
      default:
        finishLoop(out, lo, hi, scale) {
          s[$0] + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble + w3 * x3[$0].asDouble
        }
      }
    } else {
      switch t.count {
      case 1: finishLoop(out, lo, hi, scale) { 0 + w0 * x0[$0].asDouble }
      case 2: finishLoop(out, lo, hi, scale) { 0 + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble }
      case 3:
        finishLoop(out, lo, hi, scale) {
          0 + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble
        }
      default:
        finishLoop(out, lo, hi, scale) {
          0 + w0 * x0[$0].asDouble + w1 * x1[$0].asDouble + w2 * x2[$0].asDouble + w3 * x3[$0].asDouble
        }
      }
    }
  }

  /// Calls `body(lo, hi)` over `0..<count` in one range per core (ranges a multiple of 64
  /// elements, so no two cores write one cache line), or in one call below
  /// ``parallelThreshold``.
  static func parallelFor(_ count: Int, _ body: (Int, Int) -> Void) {
    let parts = min(cores, count / (parallelThreshold / 2))
    guard parts > 1 else { return body(0, count) }
    let per = ((count + parts - 1) / parts + 63) / 64 * 64
    withoutActuallyEscaping(body) { body in
      // The parts write disjoint ranges, and `body` returns before `parallelFor` does.
      let shared = UncheckedRange(body: body)
      DispatchQueue.concurrentPerform(iterations: parts) { part in
        let lo = part * per
        let hi = min(count, lo + per)
        if lo < hi { shared.body(lo, hi) }
      }
    }
  }
}

/// A range loop handed to the cores of ``Kernels/parallelFor(_:_:)``.
private struct UncheckedRange: @unchecked Sendable {
  let body: (Int, Int) -> Void
}
