import PollenCore

/// The running sum, modulo the modulus, of the masked vectors a SecAgg+ round receives: each
/// reply is checked (one flat unsigned tensor, the layout of the model, entries below the
/// modulus) and folded in, and nothing else of it is kept. The sum stays masked until every
/// mask is removed, so the server never holds one client's update.
struct SecAggPlusMaskedSum {
  let modulus: UInt64
  /// The model's layout: from the global parameters, or from the first reply without them.
  private(set) var shapes: [[Int]]?
  private(set) var dtypes: [DType]?
  private(set) var values: [UInt64] = []
  private(set) var count = 0

  init(config: SecAggPlusConfig, reference: Parameters) {
    modulus = config.modulusRange
    if !reference.tensors.isEmpty {
      shapes = reference.tensors.map(\.shape)
      dtypes = reference.tensors.map(\.dtype)
    }
  }

  /// Folds in the collect_masked_vectors reply `res`.
  ///
  /// - Throws: `PollenError(.invalidMessage)` / `.shapeMismatch` for a reply that is not a
  ///   masked vector of this round's layout (then nothing of it is added).
  mutating func add(_ res: FitRes) throws(PollenError) {
    let layout = try SecAggPlusMessages.CollectReply(
      decoding: try SecAggPlusRoundDriver.payload(res, .collectMaskedVectors))
    guard layout.shapes.count == layout.dtypes.count else {
      throw PollenError(.invalidMessage, "its masked vector's layout is inconsistent")
    }
    if let shapes {
      guard layout.shapes == shapes else {
        throw PollenError(.shapeMismatch, "its update has shapes \(layout.shapes), the model \(shapes)")
      }
    } else {
      shapes = layout.shapes
      dtypes = layout.dtypes
    }
    let length = 1 + layout.shapes.reduce(0) { $0 + $1.reduce(1, *) }
    guard res.parameters.tensors.count == 1, let t = res.parameters.tensors.first, t.shape == [length] else {
      throw PollenError(.invalidMessage, "its reply is not one masked vector of \(length) entries")
    }
    let wide = modulus > 1 << 32
    guard t.dtype == (wide ? .uint64 : .uint32) else {
      throw PollenError(
        .invalidMessage, "its masked vector is \(t.dtype), expected \(wide ? "uint64" : "uint32")")
    }
    if values.isEmpty { values = Array(repeating: 0, count: length) }
    let mask = modulus - 1
    var ok = true
    if wide {
      t.withUnsafeBufferPointer(as: UInt64.self) { v in
        for i in 0..<length {
          ok = ok && v[i] <= mask
        }
        if ok { for i in 0..<length { values[i] = (values[i] &+ v[i]) & mask } }
      }
    } else {
      t.withUnsafeBufferPointer(as: UInt32.self) { v in
        for i in 0..<length {
          ok = ok && UInt64(v[i]) <= mask
        }
        if ok { for i in 0..<length { values[i] = (values[i] &+ UInt64(v[i])) & mask } }
      }
    }
    guard ok else { throw PollenError(.invalidMessage, "its masked vector has entries beyond the modulus") }
    count += 1
  }
}
