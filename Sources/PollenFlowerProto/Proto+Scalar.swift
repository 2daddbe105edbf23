import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

// Scalars and the string → Scalar maps (config, metrics, properties).

extension Flwr_Proto_Scalar {
  package init(_ scalar: Scalar) {
    self.init()
    switch scalar {
    case .double(let v): self.scalar = .double(v)
    case .uint(let v): self.scalar = .uint64(v)
    case .int(let v): self.scalar = .sint64(v)
    case .bool(let v): self.scalar = .bool(v)
    case .string(let v): self.scalar = .string(v)
    case .bytes(let v): self.scalar = .bytes(Data(v))
    }
  }
}

extension Scalar {
  /// - Throws: `PollenError` (`invalidMessage`) when the oneof is unset.
  package init(proto: Flwr_Proto_Scalar, key: String) throws {
    switch proto.scalar {
    case .double(let v): self = .double(v)
    case .uint64(let v): self = .uint(v)
    case .sint64(let v): self = .int(v)
    case .bool(let v): self = .bool(v)
    case .string(let v): self = .string(v)
    case .bytes(let v): self = .bytes([UInt8](v))
    case nil: throw PollenError(.invalidMessage, "scalar \"\(key)\" has no value")
    }
  }
}

/// A `[String: Scalar]` (Config, Metrics, Properties) as a proto map.
package func protoMap(_ map: [String: Scalar]) -> [String: Flwr_Proto_Scalar] {
  map.mapValues(Flwr_Proto_Scalar.init)
}

/// A proto map as a `[String: Scalar]`; throws if a value is unset.
package func scalarMap(_ map: [String: Flwr_Proto_Scalar]) throws -> [String: Scalar] {
  var out: [String: Scalar] = [:]
  out.reserveCapacity(map.count)
  for (key, value) in map { out[key] = try Scalar(proto: value, key: key) }
  return out
}
