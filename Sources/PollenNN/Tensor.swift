/// A dense Float32 tensor: a shape and its elements in row-major (C) order.
///
/// Batches put the example index first: `[batch, features]` for dense layers and
/// `[batch, channels, height, width]` (NCHW) for convolutions.
public struct Tensor: Sendable, Equatable {
  /// The extent of each dimension.
  public var shape: [Int]
  /// The elements, row-major; `shape.reduce(1, *)` of them.
  public var data: [Float]

  /// A tensor holding `data` with `shape`; the element count must match.
  public init(shape: [Int], data: [Float]) {
    precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not hold \(data.count) values")
    self.shape = shape
    self.data = data
  }

  /// A tensor of `shape` filled with `value`.
  public init(shape: [Int], repeating value: Float = 0) {
    self.shape = shape
    self.data = [Float](repeating: value, count: shape.reduce(1, *))
  }

  /// The number of elements.
  public var count: Int { data.count }

  /// The number of dimensions.
  public var rank: Int { shape.count }

  /// The same elements viewed with another shape holding as many elements.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    Tensor(shape: newShape, data: data)
  }

  /// The elements at `indices` along the first dimension, in that order (e.g. a mini-batch).
  public func rows(_ indices: some Collection<Int>) -> Tensor {
    let width = shape.dropFirst().reduce(1, *)
    var out = [Float]()
    out.reserveCapacity(indices.count * width)
    for i in indices { out.append(contentsOf: data[(i * width)..<((i + 1) * width)]) }
    return Tensor(shape: [indices.count] + shape.dropFirst(), data: out)
  }

  /// The matrix product `op(a) · op(b)` of two rank-2 tensors, `op` transposing when asked.
  public static func matmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
  ) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs rank-2 tensors, got \(a.shape) and \(b.shape)")
    let (m, k) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == k2, "matmul inner dimensions differ: \(a.shape) · \(b.shape)")
    var c = Tensor(shape: [m, n])
    a.data.withUnsafeBufferPointer { pa in
      b.data.withUnsafeBufferPointer { pb in
        c.data.withUnsafeMutableBufferPointer { pc in
          MatMul.gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
            c: pc.baseAddress!, ldc: n)
        }
      }
    }
    return c
  }
}
