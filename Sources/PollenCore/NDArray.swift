#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// An n-dimensional array: a dtype, a shape and contiguous bytes in C (row-major) order,
/// little-endian, as numpy holds them on every platform Pollen runs on.
///
/// `bytes` may be a slice of a larger buffer (for example a received message): Pollen decodes
/// `.npy` payloads without copying them.
public struct NDArray: Sendable, Hashable {
  public let dtype: DType
  public let shape: [Int]
  /// The elements, C order, little-endian; `count * dtype.itemSize` bytes.
  public let bytes: Data

  /// Wraps `bytes`; throws ``PollenError/Code-swift.struct/invalidTensor`` if the byte count
  /// does not match `shape` and `dtype`.
  public init(dtype: DType, shape: [Int], bytes: Data) throws {
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw PollenError(.invalidTensor, "negative dimension in shape \(shape)")
    }
    let (count, overflow) = shape.reduce((1, false)) { acc, d in
      let (p, o) = acc.0.multipliedReportingOverflow(by: d)
      return (p, acc.1 || o)
    }
    guard !overflow, count.multipliedReportingOverflow(by: dtype.itemSize).overflow == false,
      bytes.count == count * dtype.itemSize
    else {
      throw PollenError(
        .invalidTensor,
        "\(bytes.count) bytes do not hold a \(dtype) array of shape \(shape)")
    }
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  /// An array holding `values` with `shape` (defaults to one dimension).
  public init<T: NDArrayScalar>(_ values: [T], shape: [Int]? = nil) {
    let shape = shape ?? [values.count]
    precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
    self.dtype = T.dtype
    self.shape = shape
    self.bytes = values.withUnsafeBytes { Data($0) }
  }

  /// An array of zeros.
  public init(zeros dtype: DType, shape: [Int]) {
    self.dtype = dtype
    self.shape = shape
    self.bytes = Data(count: shape.reduce(1, *) * dtype.itemSize)
  }

  /// Number of elements (1 for a 0-d array).
  public var count: Int { shape.reduce(1, *) }

  /// The elements as `T`; `T.dtype` must equal ``dtype``.
  public func scalars<T: NDArrayScalar>(as type: T.Type = T.self) -> [T] {
    precondition(T.dtype == dtype, "array is \(dtype), asked for \(T.dtype)")
    let n = count
    return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
      if n > 0 {
        bytes.withUnsafeBytes { raw in
          UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
            from: raw.baseAddress!, byteCount: n * MemoryLayout<T>.stride)
        }
      }
      initialized = n
    }
  }

  /// Calls `body` with the elements in place; `T.dtype` must equal ``dtype``.
  public func withUnsafeBufferPointer<T: NDArrayScalar, R>(
    as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
  ) rethrows -> R {
    precondition(T.dtype == dtype, "array is \(dtype), asked for \(T.dtype)")
    return try bytes.withUnsafeBytes { raw in
      try body(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: T.self), count: count))
    }
  }
}
