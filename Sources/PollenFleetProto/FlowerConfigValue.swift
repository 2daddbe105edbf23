#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One value of a ``FlowerConfigRecord``: a case of the `ConfigRecordValue` oneof in
/// `flwr/proto/recorddict.proto`.
///
/// Flower's `ConfigRecordValues` are Python `bool`, `int`, `float`, `str`, `bytes` and
/// same-typed lists of them; `record_value_dict_to_proto` (`flwr/common/serde_utils.py`) writes a
/// Python `int` as ``sint64(_:)``, or as ``uint64(_:)`` only when it exceeds `Int64.max` (a list
/// becomes ``uintList(_:)`` if any element does), and an empty list as ``boolList(_:)``. The cases
/// here are the wire cases, so a value read from any peer deflates to the same bytes; to deflate
/// exactly as Flower would, follow its choices.
public enum FlowerConfigValue: Sendable, Hashable {
  /// A Python `float`.
  case double(Double)
  /// A Python `int` that fits in `Int64`.
  case sint64(Int64)
  /// A Python `int` above `Int64.max`.
  case uint64(UInt64)
  /// A Python `bool`.
  case bool(Bool)
  /// A Python `str`.
  case string(String)
  /// Python `bytes`.
  case bytes(Data)
  /// A `list[float]`.
  case doubleList([Double])
  /// A `list[int]` whose elements all fit in `Int64`.
  case sintList([Int64])
  /// A `list[int]` with an element above `Int64.max`.
  case uintList([UInt64])
  /// A `list[bool]`, or an empty list.
  case boolList([Bool])
  /// A `list[str]`.
  case stringList([String])
  /// A `list[bytes]`.
  case bytesList([Data])
}

extension FlowerConfigValue {
  /// The value of `proto`, or `nil` if its oneof is unset (which Flower's
  /// `_record_value_from_proto` cannot read either).
  package init?(proto: Flwr_Proto_ConfigRecordValue) {
    switch proto.value {
    case .double(let v): self = .double(v)
    case .sint64(let v): self = .sint64(v)
    case .uint64(let v): self = .uint64(v)
    case .bool(let v): self = .bool(v)
    case .string(let v): self = .string(v)
    case .bytes(let v): self = .bytes(v)
    case .doubleList(let v): self = .doubleList(v.vals)
    case .sintList(let v): self = .sintList(v.vals)
    case .uintList(let v): self = .uintList(v.vals)
    case .boolList(let v): self = .boolList(v.vals)
    case .stringList(let v): self = .stringList(v.vals)
    case .bytesList(let v): self = .bytesList(v.vals)
    case nil: return nil
    }
  }

  /// The value as `flwr.proto.ConfigRecordValue`.
  package var proto: Flwr_Proto_ConfigRecordValue {
    var proto = Flwr_Proto_ConfigRecordValue()
    switch self {
    case .double(let v): proto.value = .double(v)
    case .sint64(let v): proto.value = .sint64(v)
    case .uint64(let v): proto.value = .uint64(v)
    case .bool(let v): proto.value = .bool(v)
    case .string(let v): proto.value = .string(v)
    case .bytes(let v): proto.value = .bytes(v)
    case .doubleList(let v): proto.doubleList.vals = v
    case .sintList(let v): proto.sintList.vals = v
    case .uintList(let v): proto.uintList.vals = v
    case .boolList(let v): proto.boolList.vals = v
    case .stringList(let v): proto.stringList.vals = v
    case .bytesList(let v): proto.bytesList.vals = v
    }
    return proto
  }
}
