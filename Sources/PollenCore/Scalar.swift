/// A configuration or metric value: one of the six scalar kinds of Flower's `Scalar` message.
///
/// Python `int` travels as ``int(_:)`` (`sint64` on the wire), `float` as ``double(_:)``.
public enum Scalar: Sendable, Hashable {
  case double(Double)
  case uint(UInt64)
  case int(Int64)
  case bool(Bool)
  case string(String)
  case bytes([UInt8])

  /// The value as a `Double` when it is numeric (double, int, uint or bool), else `nil`.
  public var doubleValue: Double? {
    switch self {
    case .double(let v): return v
    case .int(let v): return Double(v)
    case .uint(let v): return Double(v)
    case .bool(let v): return v ? 1 : 0
    case .string, .bytes: return nil
    }
  }

  /// The value as an `Int` when it is an integer (or a double with no fractional part), else `nil`.
  public var intValue: Int? {
    switch self {
    case .int(let v): return Int(exactly: v)
    case .uint(let v): return Int(exactly: v)
    case .double(let v): return Int(exactly: v)
    case .bool, .string, .bytes: return nil
    }
  }

  /// The value when it is a string, else `nil`.
  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }

  /// The value when it is a bool, else `nil`.
  public var boolValue: Bool? {
    if case .bool(let b) = self { return b }
    return nil
  }
}

extension Scalar: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
  ExpressibleByBooleanLiteral
{
  public init(floatLiteral value: Double) { self = .double(value) }
  public init(integerLiteral value: Int64) { self = .int(value) }
  public init(stringLiteral value: String) { self = .string(value) }
  public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension Scalar: CustomStringConvertible {
  public var description: String {
    switch self {
    case .double(let v): return "\(v)"
    case .int(let v): return "\(v)"
    case .uint(let v): return "\(v)"
    case .bool(let v): return "\(v)"
    case .string(let v): return v
    case .bytes(let v): return "<\(v.count) bytes>"
    }
  }
}

/// Configuration sent from the server to a client (`config` of `FitIns`, `EvaluateIns`, …).
public typealias Config = [String: Scalar]
/// Metrics returned by a client or computed by a strategy.
public typealias Metrics = [String: Scalar]
/// Device properties returned by `getProperties`.
public typealias Properties = [String: Scalar]
