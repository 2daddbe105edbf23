/// One entry of a ``FlowerRecordDict``: Flower's `RecordType` (`flwr/app/message/recorddict.py`),
/// an `ArrayRecord`, a `MetricRecord` or a `ConfigRecord`.
public enum FlowerRecord: Sendable, Hashable {
  /// Named arrays.
  case arrays(FlowerArrayRecord)
  /// Metrics.
  case metrics(FlowerMetricRecord)
  /// Configuration values.
  case config(FlowerConfigRecord)

  /// The arrays, if this is an array record.
  public var arrayRecord: FlowerArrayRecord? {
    if case .arrays(let record) = self { record } else { nil }
  }

  /// The metrics, if this is a metric record.
  public var metricRecord: FlowerMetricRecord? {
    if case .metrics(let record) = self { record } else { nil }
  }

  /// The configuration, if this is a config record.
  public var configRecord: FlowerConfigRecord? {
    if case .config(let record) = self { record } else { nil }
  }

  /// Adds the record's objects; returns its ID.
  func deflate(into objects: inout DeflatedObjects) -> String {
    switch self {
    case .arrays(let record): record.deflate(into: &objects)
    case .metrics(let record): record.deflate(into: &objects)
    case .config(let record): record.deflate(into: &objects)
    }
  }

  /// Reads the record `id`, whichever of the three types it is.
  init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    switch try reader.object(id, ofType: .arrayRecord, .metricRecord, .configRecord).type {
    case .arrayRecord: self = .arrays(try FlowerArrayRecord(inflating: id, from: &reader))
    case .metricRecord: self = .metrics(try FlowerMetricRecord(inflating: id, from: &reader))
    default: self = .config(try FlowerConfigRecord(inflating: id, from: &reader))
    }
  }
}
