/// The names and shapes of a model's arrays as a Flower app knows them: the keys of the
/// `ArrayRecord` the server sends (a ClientApp loads them by name, e.g. a PyTorch `state_dict`)
/// and checks in every reply, in Pollen's tensor order.
public struct FleetModelLayout: Sendable, Hashable {
  /// The `ArrayRecord` key of each tensor, in order.
  public var keys: [String]
  /// Each tensor's shape, in order.
  public var shapes: [[Int]]

  /// A layout of these keys and shapes (the same count).
  public init(keys: [String], shapes: [[Int]]) {
    precondition(keys.count == shapes.count, "one shape per key")
    self.keys = keys
    self.shapes = shapes
  }
}
