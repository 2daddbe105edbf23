/// One value of a ``FlowerMetricRecord``: a case of the `MetricRecordValue` oneof in
/// `flwr/proto/recorddict.proto`.
///
/// Flower's `MetricRecordValues` are Python `int` and `float` (not `bool`) and same-typed lists of
/// them; `record_value_dict_to_proto` (`flwr/common/serde_utils.py`) writes an `int` as
/// ``sint64(_:)``, as ``uint64(_:)`` only above `Int64.max`, and an empty list as
/// ``doubleList(_:)``. The cases are the wire cases, as in ``FlowerConfigValue``.
public enum FlowerMetricValue: Sendable, Hashable {
  /// A Python `float`.
  case double(Double)
  /// A Python `int` that fits in `Int64`.
  case sint64(Int64)
  /// A Python `int` above `Int64.max`.
  case uint64(UInt64)
  /// A `list[float]`, or an empty list.
  case doubleList([Double])
  /// A `list[int]` whose elements all fit in `Int64`.
  case sintList([Int64])
  /// A `list[int]` with an element above `Int64.max`.
  case uintList([UInt64])
}

extension FlowerMetricValue {
  /// The value of `proto`, or `nil` if its oneof is unset.
  package init?(proto: Flwr_Proto_MetricRecordValue) {
    switch proto.value {
    case .double(let v): self = .double(v)
    case .sint64(let v): self = .sint64(v)
    case .uint64(let v): self = .uint64(v)
    case .doubleList(let v): self = .doubleList(v.vals)
    case .sintList(let v): self = .sintList(v.vals)
    case .uintList(let v): self = .uintList(v.vals)
    case nil: return nil
    }
  }

  /// The value as `flwr.proto.MetricRecordValue`.
  package var proto: Flwr_Proto_MetricRecordValue {
    var proto = Flwr_Proto_MetricRecordValue()
    switch self {
    case .double(let v): proto.value = .double(v)
    case .sint64(let v): proto.value = .sint64(v)
    case .uint64(let v): proto.value = .uint64(v)
    case .doubleList(let v): proto.doubleList.vals = v
    case .sintList(let v): proto.sintList.vals = v
    case .uintList(let v): proto.uintList.vals = v
    }
    return proto
  }
}
