/// The element type of an ``NDArray``, named like numpy's.
public enum DType: String, Sendable, Hashable, CaseIterable, Codable {
  case float16, float32, float64
  case int8, int16, int32, int64
  case uint8, uint16, uint32, uint64
  case bool

  /// Bytes per element.
  public var itemSize: Int {
    switch self {
    case .int8, .uint8, .bool: return 1
    case .float16, .int16, .uint16: return 2
    case .float32, .int32, .uint32: return 4
    case .float64, .int64, .uint64: return 8
    }
  }

  /// Whether the type is a floating-point type (NaN and infinity are possible).
  public var isFloatingPoint: Bool { self == .float16 || self == .float32 || self == .float64 }
}

/// A Swift type that can be an ``NDArray`` element (all but float16, which has no portable type).
public protocol NDArrayScalar: Sendable, BitwiseCopyable {
  static var dtype: DType { get }
}

extension Float: NDArrayScalar { public static var dtype: DType { .float32 } }
extension Double: NDArrayScalar { public static var dtype: DType { .float64 } }
extension Int8: NDArrayScalar { public static var dtype: DType { .int8 } }
extension Int16: NDArrayScalar { public static var dtype: DType { .int16 } }
extension Int32: NDArrayScalar { public static var dtype: DType { .int32 } }
extension Int64: NDArrayScalar { public static var dtype: DType { .int64 } }
extension UInt8: NDArrayScalar { public static var dtype: DType { .uint8 } }
extension UInt16: NDArrayScalar { public static var dtype: DType { .uint16 } }
extension UInt32: NDArrayScalar { public static var dtype: DType { .uint32 } }
extension UInt64: NDArrayScalar { public static var dtype: DType { .uint64 } }
extension Bool: NDArrayScalar { public static var dtype: DType { .bool } }
