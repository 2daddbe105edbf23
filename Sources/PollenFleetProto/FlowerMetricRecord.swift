/// Metrics by name, as Flower 1.41's `MetricRecord` (`flwr/app/message/metricrecord.py`): what a
/// client reports, e.g. `{"train_loss": 0.3, "num-examples": 600}`.
///
/// Deflated, a record is one `MetricRecord` object without children whose body is the protobuf
/// `flwr.proto.MetricRecord{items: [{key, value}]}` in key order (`MetricRecord.deflate`).
public struct FlowerMetricRecord: Sendable, Hashable, FlowerInflatable, ExpressibleByDictionaryLiteral {
  /// The values by name, in order.
  public var values: OrderedItems<FlowerMetricValue>

  /// A record of these values.
  public init(_ values: OrderedItems<FlowerMetricValue> = [:]) {
    self.values = values
  }

  /// A record of the literal's values, in the order written.
  public init(dictionaryLiteral elements: (String, FlowerMetricValue)...) {
    self.init(OrderedItems(elements))
  }

  /// The value named `key`.
  public subscript(key: String) -> FlowerMetricValue? {
    get { values[key] }
    set { values[key] = newValue }
  }

  public static var objectType: InflatableObjectType { .metricRecord }

  /// The record as `flwr.proto.MetricRecord`.
  package var proto: Flwr_Proto_MetricRecord {
    var proto = Flwr_Proto_MetricRecord()
    proto.items = values.map { key, value in
      var item = Flwr_Proto_MetricRecord.Item()
      item.key = key
      item.value = value.proto
      return item
    }
    return proto
  }

  /// Adds the `MetricRecord` object; returns its ID.
  public func deflate(into objects: inout DeflatedObjects) -> String {
    objects.insert(InflatableObject(type: .metricRecord, children: [], body: ProtobufBody.serialize(proto)))
  }

  /// Reads a `MetricRecord` object, as Flower's `MetricRecord.inflate`: no children, a protobuf
  /// body whose every item has a value; a repeated key is refused (Flower would keep the last).
  public init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    let object = try reader.object(id, ofType: .metricRecord)
    guard object.children.isEmpty else {
      throw .childrenMismatch(id: id, reason: "a MetricRecord has no children")
    }
    func invalid(_ reason: String) -> InflatableObjectError {
      .invalidBody(id: id, type: .metricRecord, reason: reason)
    }
    let proto: Flwr_Proto_MetricRecord
    switch ProtobufBody.parse(Flwr_Proto_MetricRecord.self, object.body) {
    case .success(let parsed): proto = parsed
    case .failure(let error): throw invalid(error.description)
    }
    var values = OrderedItems<FlowerMetricValue>()
    for item in proto.items {
      guard values[item.key] == nil else { throw invalid("key \"\(item.key)\" appears twice") }
      guard let value = FlowerMetricValue(proto: item.value) else {
        throw invalid("\"\(item.key)\" has no value")
      }
      values[item.key] = value
    }
    self.init(values)
  }
}
