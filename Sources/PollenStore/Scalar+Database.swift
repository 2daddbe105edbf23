import Foundation
import GRDB
import PollenCore

extension Scalar {
  /// The scalar as a kind name and an SQLite value (`uint` as text: SQLite integers are signed).
  var databaseColumns: (kind: String, value: DatabaseValue) {
    switch self {
    case .int(let v): return ("int", v.databaseValue)
    case .uint(let v): return ("uint", String(v).databaseValue)
    case .double(let v): return ("double", v.databaseValue)
    case .bool(let v): return ("bool", (v ? 1 : 0).databaseValue)
    case .string(let v): return ("string", v.databaseValue)
    case .bytes(let v): return ("bytes", Data(v).databaseValue)
    }
  }

  /// The scalar stored as `kind` and `value`, or `nil` when they do not make one.
  init?(kind: String, value: DatabaseValue) {
    switch kind {
    case "int": guard let v = Int64.fromDatabaseValue(value) else { return nil }; self = .int(v)
    case "uint":
      guard let s = String.fromDatabaseValue(value), let v = UInt64(s) else { return nil }
      self = .uint(v)
    case "double": guard let v = Double.fromDatabaseValue(value) else { return nil }; self = .double(v)
    case "bool": guard let v = Int64.fromDatabaseValue(value) else { return nil }; self = .bool(v != 0)
    case "string": guard let v = String.fromDatabaseValue(value) else { return nil }; self = .string(v)
    case "bytes": guard let v = Data.fromDatabaseValue(value) else { return nil }; self = .bytes([UInt8](v))
    default: return nil
    }
  }
}
