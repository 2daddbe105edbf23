/// Configuration values by name, as Flower 1.41's `ConfigRecord`
/// (`flwr/app/message/configrecord.py`): what a strategy sends with each instruction, e.g.
/// `{"server-round": 1, "lr": 0.1}`.
///
/// Deflated, a record is one `ConfigRecord` object without children whose body is the protobuf
/// `flwr.proto.ConfigRecord{items: [{key, value}]}` in key order (`ConfigRecord.deflate`).
public struct FlowerConfigRecord: Sendable, Hashable, FlowerInflatable, ExpressibleByDictionaryLiteral {
  /// The values by name, in order.
  public var values: OrderedItems<FlowerConfigValue>

  /// A record of these values.
  public init(_ values: OrderedItems<FlowerConfigValue> = [:]) {
    self.values = values
  }

  /// A record of the literal's values, in the order written.
  public init(dictionaryLiteral elements: (String, FlowerConfigValue)...) {
    self.init(OrderedItems(elements))
  }

  /// The value named `key`.
  public subscript(key: String) -> FlowerConfigValue? {
    get { values[key] }
    set { values[key] = newValue }
  }

  public static var objectType: InflatableObjectType { .configRecord }

  /// The record as `flwr.proto.ConfigRecord`.
  package var proto: Flwr_Proto_ConfigRecord {
    var proto = Flwr_Proto_ConfigRecord()
    proto.items = values.map { key, value in
      var item = Flwr_Proto_ConfigRecord.Item()
      item.key = key
      item.value = value.proto
      return item
    }
    return proto
  }

  /// Adds the `ConfigRecord` object; returns its ID.
  public func deflate(into objects: inout DeflatedObjects) -> String {
    objects.insert(InflatableObject(type: .configRecord, children: [], body: ProtobufBody.serialize(proto)))
  }

  /// Reads a `ConfigRecord` object, as Flower's `ConfigRecord.inflate`: no children, a protobuf
  /// body whose every item has a value; a repeated key is refused (Flower would keep the last).
  public init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    let object = try reader.object(id, ofType: .configRecord)
    guard object.children.isEmpty else {
      throw .childrenMismatch(id: id, reason: "a ConfigRecord has no children")
    }
    func invalid(_ reason: String) -> InflatableObjectError {
      .invalidBody(id: id, type: .configRecord, reason: reason)
    }
    let proto: Flwr_Proto_ConfigRecord
    switch ProtobufBody.parse(Flwr_Proto_ConfigRecord.self, object.body) {
    case .success(let parsed): proto = parsed
    case .failure(let error): throw invalid(error.description)
    }
    var values = OrderedItems<FlowerConfigValue>()
    for item in proto.items {
      guard values[item.key] == nil else { throw invalid("key \"\(item.key)\" appears twice") }
      guard let value = FlowerConfigValue(proto: item.value) else {
        throw invalid("\"\(item.key)\" has no value")
      }
      values[item.key] = value
    }
    self.init(values)
  }
}
