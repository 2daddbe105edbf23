/// The kinds of object Flower 1.41 moves through its object store: the class names that open an
/// object's head.
///
/// These are exactly the entries of `inflatable_class_registry` in
/// `flwr/supercore/inflatable/inflatable_utils.py` (each class's `__qualname__`); an object of any
/// other type is refused by Flower's `validate_object_content` and by ``InflatableObject/init(parsing:)``.
public enum InflatableObjectType: String, Sendable, Hashable, CaseIterable {
  /// A slice of at most ``FlowerArray/maxChunkSize`` bytes of an array's data
  /// (`flwr/app/message/arraychunk.py`). No children; the body is the raw bytes.
  case arrayChunk = "ArrayChunk"
  /// An array's metadata (`flwr/app/message/array.py`): a JSON body, the unique chunks as children.
  case array = "Array"
  /// Named arrays (`flwr/app/message/arrayrecord.py`): a JSON body, the unique arrays as children.
  case arrayRecord = "ArrayRecord"
  /// Configuration values (`flwr/app/message/configrecord.py`): a protobuf `ConfigRecord` body.
  case configRecord = "ConfigRecord"
  /// A message's metadata or error (`flwr/app/message/message.py`): a protobuf `Message` body, its
  /// content as the only child.
  case message = "Message"
  /// Metrics (`flwr/app/message/metricrecord.py`): a protobuf `MetricRecord` body.
  case metricRecord = "MetricRecord"
  /// Named records (`flwr/app/message/recorddict.py`): a JSON body, the unique records as children.
  case recordDict = "RecordDict"
}
