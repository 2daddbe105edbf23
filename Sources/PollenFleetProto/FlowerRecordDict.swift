/// Named records, as Flower 1.41's `RecordDict` (`flwr/app/message/recorddict.py`): the content
/// of a message, e.g. `{"arrays": ArrayRecord, "config": ConfigRecord}` for a `train` instruction.
///
/// Deflated, a record dict is one `RecordDict` object whose body is the JSON
/// `{"name": "<record ID>", …}` in key order and whose children are the distinct record IDs in
/// order of first use (`RecordDict.deflate` and `RecordDict.children`).
public struct FlowerRecordDict: Sendable, Hashable, FlowerInflatable, ExpressibleByDictionaryLiteral {
  /// The records by name, in order.
  public var records: OrderedItems<FlowerRecord>

  /// A record dict of these records.
  public init(_ records: OrderedItems<FlowerRecord> = [:]) {
    self.records = records
  }

  /// A record dict of the literal's records, in the order written.
  public init(dictionaryLiteral elements: (String, FlowerRecord)...) {
    self.init(OrderedItems(elements))
  }

  /// The record named `name`.
  public subscript(name: String) -> FlowerRecord? {
    get { records[name] }
    set { records[name] = newValue }
  }

  public static var objectType: InflatableObjectType { .recordDict }

  /// Adds every record's objects, then the `RecordDict` object; returns its ID.
  public func deflate(into objects: inout DeflatedObjects) -> String {
    var references: [(name: String, id: String)] = []
    var children: [String] = []
    var seen: Set<String> = []
    for (name, record) in records {
      let id = record.deflate(into: &objects)
      references.append((name, id))
      if seen.insert(id).inserted { children.append(id) }
    }
    return objects.insert(
      InflatableObject(type: .recordDict, children: children, body: PythonJSON.dumpReferences(references)))
  }

  /// Reads a `RecordDict` object and its records, as Flower's `RecordDict.inflate`: the IDs in the
  /// body are exactly the head's children, each an `ArrayRecord`, `MetricRecord` or `ConfigRecord`.
  public init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    let object = try reader.object(id, ofType: .recordDict)
    let references: [(name: String, id: String)]
    switch PythonJSON.loadReferences(object.body) {
    case .success(let parsed): references = parsed
    case .failure(let error): throw .invalidBody(id: id, type: .recordDict, reason: error.description)
    }
    guard Set(references.map(\.id)) == Set(object.children) else {
      throw .childrenMismatch(
        id: id, reason: "the records named in the body are not the children in the head")
    }
    var records = OrderedItems<FlowerRecord>()
    for (name, recordID) in references {
      records[name] = try FlowerRecord(inflating: recordID, from: &reader)
    }
    self.init(records)
  }
}
