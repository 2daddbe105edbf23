import PollenCore

/// The aggregation maths, as pure functions over decoded arrays. Strategies call these.
public enum Aggregation {
  /// Flower's `weighted_loss_avg`: Σ nᵢ·lossᵢ / Σ nᵢ.
  public static func weightedLossAverage(_ results: [(numExamples: Int, loss: Double)]) -> Double {
    let total = results.reduce(0) { $0 + $1.numExamples }
    let weighted = results.reduce(0.0) { $0 + Double($1.numExamples) * $1.loss }
    return weighted / Double(total)
  }

  /// Flower's `aggregate`: the average of the clients' arrays weighted by their example counts,
  /// with numpy's type promotion (``WeightedSum/Rule/promoting``). Computed in double precision.
  public static func weightedAverage(_ results: [(arrays: [NDArray], numExamples: Int)]) -> [NDArray] {
    var sum = WeightedSum(rule: .promoting)
    for r in results { sum.add(r.arrays, weight: Double(r.numExamples)) }
    return sum.average()
  }
}

/// A running weighted sum of parameter lists, for aggregating results as they arrive.
///
/// It reproduces the dtypes and values of Flower 1.41's two weighted averages
/// (`flwr/server/strategy/aggregate.py`), chosen by ``Rule``:
///
/// - ``Rule/inplace`` is `aggregate_inplace`, what `FedAvg.aggregate_fit` uses by default
///   (`flwr/server/strategy/fedavg.py`, `inplace=True`). With `fᵢ = nᵢ / Σ n` (float64), it
///   computes, in result order, `p = x₀ · f₀` and then `p = p + xᵢ · fᵢ`, each operation through
///   `_try_inplace(x, y, op)`, that is `op(x, y, out=x)` when
///   `np.can_cast(y, x.dtype, casting="same_kind")` and `op(x, np.array(y, x.dtype), out=x)`
///   otherwise. Consequences:
///   - each layer of the result has the dtype of that layer in the **first** result (not the
///     global model's, not a promotion): an int64 model whose clients all return float64 becomes
///     float64; results int64 then float64 give int64, float64 then int64 give float64;
///   - a float layer is scaled in float64 and rounded to its dtype; an integer layer is scaled
///     by `fᵢ` cast to its dtype, which truncates to 0 unless `fᵢ == 1` (a lone result), and a
///     bool layer is kept when `nᵢ > 0`;
///   - adding a scaled layer of another kind: an integer or bool one (usually all zeros, see
///     above) into a float sum adds its values; a float one into an integer sum is truncated
///     toward zero first, so a fraction of a model adds little or nothing; anything into a bool
///     sum is `!= 0` and ORed. An int64 model whose clients all return int64 averages to zeros.
/// - ``Rule/promoting`` is `aggregate` (`FedAvg(inplace=False)`, FedAvgM, FaultTolerantFedAvg,
///   multi-Krum): `reduce(np.add, [xᵢ · nᵢ]) / Σ n` with numpy's promotion (`nᵢ` and `Σ n` are
///   Python ints, weak scalars): the result dtype is the promotion of the results' dtypes (bool
///   counts as int64), float64 if that is an integer type.
///
/// Layers whose results are all float32/float64 take the fast path: a double-precision running
/// sum Σ nᵢ·xᵢ, divided once at the end, equal to Flower's to rounding, with no copy of the
/// inputs. Once a layer sees another dtype (or starts with one, or, for `.inplace`, its first
/// result is not float32/float64), the rest of its results are kept (referenced, not copied) and
/// folded exactly as numpy does in ``average()``, when `Σ n` is known: integers wrap, float16
/// rounds at every step (`NumpyBuffer`). One combination makes numpy raise and Pollen wrap
/// instead: adding a uint64 layer into a signed-integer sum in place.
///
/// Memory on the fast path is one double-precision copy of the model, however many results
/// are added, plus, for layers of 65,536 elements or more, references to at most three results
/// not yet folded (seven for layers of 2²¹ elements or more): such a layer folds its results
/// four (eight) at a time, in order, so that its accumulator (beyond the fastest caches) is read
/// and written once per batch. The kernels split large layers across cores and keep large
/// buffers for the next round (`Kernels.BufferPool`); the values are the same, bit for bit, as
/// folding one result at a time.
public struct WeightedSum: Sendable {
  /// Which of Flower's averages to reproduce.
  public enum Rule: Sendable, Hashable {
    /// Flower's `aggregate_inplace` (FedAvg's default).
    case inplace
    /// Flower's `aggregate`.
    case promoting
  }

  /// One layer's state.
  private struct Layer: Sendable {
    /// `.inplace`: the first result's dtype. `.promoting`: the promotion of the dtypes so far.
    var dtype: DType
    var shape: [Int]
    var count: Int
    /// Σ wᵢ·xᵢ over the fast-path results folded so far (nil before the first fold).
    var sums: Kernels.Accumulator?
    /// Fast-path results not yet folded into `sums` (referenced, not copied; all one dtype, at
    /// most ``batch(forLayerOf:)`` − 1, and only for layers of ``deferralThreshold`` elements
    /// or more): folded together, the accumulator is read and written once per batch.
    var deferred: [Kernels.Term] = []
    /// How many results the fast path holds (`sums` and `deferred`).
    var folded = 0
    /// Results not yet folded (`.inplace` only): every result after the fast path ended.
    var pending: [(array: NDArray, weight: Double)] = []

    init(dtype: DType, shape: [Int]) {
      self.dtype = dtype
      self.shape = shape
      count = shape.reduce(1, *)
    }
  }

  /// Layers of at least this many elements batch their fast-path results
  /// (``batch(forLayerOf:)`` at a time): their accumulator (512 KiB or more) is beyond the
  /// fastest caches, and reading and writing it once per result would cost more than reading the
  /// result. Smaller layers fold each result at once and keep no reference to it.
  static let deferralThreshold = 1 << 16

  /// Layers of at least this many elements (an accumulator of 16 MiB or more, beyond what the
  /// caches keep while results stream through) batch ``Kernels/maximumTerms`` results, smaller
  /// ones ``Kernels/termsPerLoop``: the accumulator is then read and written half as often.
  /// `pollen bench aggregate`, five alternating runs each: K × P = 10 × 10M, 16.6 → 19.7 GB/s;
  /// 25 × 10M, 19.2 → 20.9 GB/s (float32 updates; numpy's `x.sum()` reads 21–23 GB/s here).
  static let largeBatchThreshold = 1 << 21

  /// How many results a layer of `count` elements folds at once.
  static func batch(forLayerOf count: Int) -> Int {
    count >= largeBatchThreshold ? Kernels.maximumTerms : Kernels.termsPerLoop
  }

  /// The rule this sum follows.
  public let rule: Rule
  private var layers: [Layer] = []
  /// The total weight added so far.
  public private(set) var totalWeight: Double = 0
  /// The number of parameter lists added so far.
  public private(set) var count = 0

  /// An empty sum following `rule` (Flower's FedAvg default, `.inplace`, unless said).
  public init(rule: Rule = .inplace) { self.rule = rule }

  /// Adds `arrays` with `weight`. All lists must have the same shapes (the server validates).
  public mutating func add(_ arrays: [NDArray], weight: Double) {
    if count == 0 {
      layers = arrays.map { Layer(dtype: $0.dtype, shape: $0.shape) }
    }
    precondition(arrays.count == layers.count, "parameter lists differ in length")
    for (i, a) in arrays.enumerated() {
      precondition(a.count == layers[i].count, "layer \(i) differs in size")
      let fast = layers[i].pending.isEmpty && a.dtype.isFastSum
      switch rule {
      case .promoting where fast:
        layers[i].dtype = layers[i].folded == 0 ? a.dtype : layers[i].dtype.promoted(with: a.dtype)
        addToSums(a, weight: weight, layer: i)
      case .inplace where fast && layers[i].dtype.isFastSum:
        addToSums(a, weight: weight, layer: i)
      default:
        flushDeferred(layer: i)
        layers[i].pending.append((a, weight))
      }
    }
    totalWeight += weight
    count += 1
  }

  private mutating func addToSums(_ a: NDArray, weight: Double, layer i: Int) {
    layers[i].folded += 1
    guard layers[i].count > 0 else { return }
    if let other = layers[i].deferred.first, other.array.dtype != a.dtype { flushDeferred(layer: i) }
    layers[i].deferred.append((a, weight))
    if layers[i].count < Self.deferralThreshold
      || layers[i].deferred.count == Self.batch(forLayerOf: layers[i].count)
    {
      flushDeferred(layer: i)
    }
  }

  /// Folds the layer's deferred results into its sums.
  private mutating func flushDeferred(layer i: Int) {
    guard !layers[i].deferred.isEmpty else { return }
    let initialize = layers[i].sums == nil
    if initialize {
      layers[i].sums = Kernels.Accumulator(count: layers[i].count)
    } else if !isKnownUniquelyReferenced(&layers[i].sums) {
      layers[i].sums = Kernels.Accumulator(copying: layers[i].sums!)
    }
    Kernels.fold(
      layers[i].deferred[...], into: layers[i].sums!.pointer, count: layers[i].count, initialize: initialize)
    layers[i].deferred.removeAll(keepingCapacity: true)
  }

  /// Σ wᵢ·xᵢ / Σ wᵢ with the dtypes and values of the ``rule``. Empty if nothing was added.
  public func average() -> [NDArray] {
    guard count > 0 else { return [] }
    let inv = 1.0 / totalWeight
    return layers.map { layer in
      guard !layer.pending.isEmpty else { return fastAverage(layer, inv: inv) }
      switch rule {
      case .promoting: return exactPromotingAverage(layer)
      case .inplace: return exactInplaceAverage(layer, inv: inv)
      }
    }
  }

  /// `(Σ wᵢ·xᵢ) · inv` rounded to the layer's float dtype, its deferred results folded on the
  /// way (the accumulator is only read).
  private func fastAverage(_ layer: Layer, inv: Double) -> NDArray {
    guard layer.count > 0 else { return NDArray(zeros: layer.dtype, shape: layer.shape) }
    let sum = layer.sums?.pointer
    switch layer.dtype {
    case .float32:
      return Kernels.makePooledArray(Float.self, shape: layer.shape, count: layer.count) {
        Kernels.finish($0, sum: sum, terms: layer.deferred[...], count: layer.count, scale: inv)
      }
    case .float64:
      return Kernels.makePooledArray(Double.self, shape: layer.shape, count: layer.count) {
        Kernels.finish($0, sum: sum, terms: layer.deferred[...], count: layer.count, scale: inv)
      }
    default:
      return Kernels.makeArray(sums(layer), scale: inv, dtype: layer.dtype, shape: layer.shape)
    }
  }

  /// The fast path's sums (deferred results are flushed before a layer has pending ones).
  private func sums(_ layer: Layer) -> [Double] {
    layer.sums?.doubles ?? [Double](repeating: 0, count: layer.count)
  }

  /// The rest of `aggregate_inplace` for a layer with pending results: the fast prefix (if
  /// any) divided and rounded, then each pending result scaled and added with numpy's rules.
  private func exactInplaceAverage(_ layer: Layer, inv: Double) -> NDArray {
    var pending = layer.pending[...]
    var p: NumpyBuffer
    if layer.folded == 0 {
      let first = pending.removeFirst()
      p = NumpyBuffer(first.array)
      p.multiply(by: first.weight / totalWeight)
    } else {
      p = NumpyBuffer(rounding: sums(layer).map { $0 * inv }, to: layer.dtype)
    }
    for r in pending {
      var scaled = NumpyBuffer(r.array)
      scaled.multiply(by: r.weight / totalWeight)
      p.add(scaled)
    }
    return p.array(shape: layer.shape)
  }

  /// The rest of `aggregate` for a layer with pending results: the fast prefix's sum (if any)
  /// in its dtype, then `reduce(np.add, …)` of each pending `layer * num_examples` with
  /// numpy's promotion, divided by `Σ n` (a Python int).
  private func exactPromotingAverage(_ layer: Layer) -> NDArray {
    var sum: NumpyBuffer? =
      layer.folded == 0 ? nil : NumpyBuffer(rounding: sums(layer), to: layer.dtype)
    for r in layer.pending {
      var product = NumpyBuffer(r.array)
      product.multiply(byPythonInt: Self.pythonInt(r.weight))
      sum = sum.map { $0.promotedSum(product) } ?? product
    }
    return sum!.dividedBy(pythonInt: Self.pythonInt(totalWeight)).array(shape: layer.shape)
  }

  /// An example count held as a `Double`, as the integer it is.
  private static func pythonInt(_ w: Double) -> Int64 {
    w.isFinite && abs(w) < 0x1p63 ? Int64(w.rounded()) : 0
  }
}

extension DType {
  /// float32 and float64, the dtypes of the double-precision fast path.
  fileprivate var isFastSum: Bool { self == .float32 || self == .float64 }
}
