/// Named arrays, as Flower 1.41's `ArrayRecord` (`flwr/app/message/arrayrecord.py`): model
/// parameters, a PyTorch `state_dict` in serialized form.
///
/// `ArrayRecord(list_of_ndarrays)` names the arrays `"0"`, `"1"`, …; `to_numpy_ndarrays()` returns
/// them in key order, so the order of ``arrays`` matters.
///
/// Deflated, a record is one `ArrayRecord` object whose body is the JSON `{"name": "<array ID>", …}`
/// in key order and whose children are the distinct array IDs in order of first use
/// (`ArrayRecord.deflate` and `ArrayRecord.children`).
public struct FlowerArrayRecord: Sendable, Hashable, FlowerInflatable, ExpressibleByDictionaryLiteral {
  /// The arrays by name, in order.
  public var arrays: OrderedItems<FlowerArray>

  /// A record of these arrays.
  public init(_ arrays: OrderedItems<FlowerArray> = [:]) {
    self.arrays = arrays
  }

  /// A record of the literal's arrays, in the order written.
  public init(dictionaryLiteral elements: (String, FlowerArray)...) {
    self.init(OrderedItems(elements))
  }

  /// The array named `name`.
  public subscript(name: String) -> FlowerArray? {
    get { arrays[name] }
    set { arrays[name] = newValue }
  }

  public static var objectType: InflatableObjectType { .arrayRecord }

  /// Adds every array's objects, then the `ArrayRecord` object; returns the record's ID.
  public func deflate(into objects: inout DeflatedObjects) -> String {
    var references: [(name: String, id: String)] = []
    var children: [String] = []
    var seen: Set<String> = []
    for (name, array) in arrays {
      let id = array.deflate(into: &objects)
      references.append((name, id))
      if seen.insert(id).inserted { children.append(id) }
    }
    return objects.insert(
      InflatableObject(type: .arrayRecord, children: children, body: PythonJSON.dumpReferences(references)))
  }

  /// Reads an `ArrayRecord` object and its arrays, as Flower's `ArrayRecord.inflate`: the IDs in
  /// the body are exactly the head's children, and each is an `Array`.
  public init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    let object = try reader.object(id, ofType: .arrayRecord)
    let references: [(name: String, id: String)]
    switch PythonJSON.loadReferences(object.body) {
    case .success(let parsed): references = parsed
    case .failure(let error): throw .invalidBody(id: id, type: .arrayRecord, reason: error.description)
    }
    guard Set(references.map(\.id)) == Set(object.children) else {
      throw .childrenMismatch(id: id, reason: "the arrays named in the body are not the children in the head")
    }
    var arrays = OrderedItems<FlowerArray>()
    for (name, arrayID) in references {
      arrays[name] = try FlowerArray(inflating: arrayID, from: &reader)
    }
    self.init(arrays)
  }
}
