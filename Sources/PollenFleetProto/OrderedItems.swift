/// String-keyed values in insertion order, as in the Python `dict` inside each of Flower's records
/// (`TypedDict` in `flwr/app/message/typeddict.py`).
///
/// The order is part of the value: Flower writes record entries in dict order, so it decides the
/// bytes and IDs of the deflated objects, and ``FlowerArrayRecord``'s order is the order of
/// `to_numpy_ndarrays()`. Setting an existing key replaces its value in place; setting `nil` removes
/// it. Two values are equal when they have the same entries in the same order (Python's dict
/// equality ignores order).
///
/// ```swift
/// var items: OrderedItems<Int> = ["b": 1, "a": 2]
/// items["b"] = 3
/// items.keys  // ["b", "a"]
/// ```
public struct OrderedItems<Value: Sendable & Hashable>: Sendable, Hashable, Sequence,
  ExpressibleByDictionaryLiteral
{
  /// The keys in order.
  public private(set) var keys: [String] = []
  private var storage: [String: Value] = [:]

  /// No entries.
  public init() {}

  /// The entries of `pairs` in order; a repeated key keeps its first position and takes its last
  /// value, as `dict(pairs)` does.
  public init(_ pairs: some Sequence<(String, Value)>) {
    for (key, value) in pairs { self[key] = value }
  }

  /// The entries of the literal in the order written.
  public init(dictionaryLiteral elements: (String, Value)...) {
    self.init(elements)
  }

  /// The value for `key`; setting `nil` removes the entry.
  public subscript(key: String) -> Value? {
    get { storage[key] }
    set {
      if let newValue {
        if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
      } else if storage.removeValue(forKey: key) != nil {
        keys.removeAll { $0 == key }
      }
    }
  }

  /// The number of entries.
  public var count: Int { keys.count }

  /// Whether there are no entries.
  public var isEmpty: Bool { keys.isEmpty }

  /// The values in key order.
  public var values: [Value] { keys.map { storage[$0]! } }

  /// The entries in order.
  public func makeIterator() -> some IteratorProtocol<(key: String, value: Value)> {
    keys.lazy.map { (key: $0, value: storage[$0]!) }.makeIterator()
  }

  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.keys == rhs.keys && lhs.storage == rhs.storage
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(keys)
    for key in keys { hasher.combine(storage[key]!) }
  }
}
