/// Releases items pushed in any order either at once (disabled) or in index order 0, 1, 2, …
/// (enabled), holding early arrivals until their predecessors come. Enabled, it holds up to all
/// of a round's items (when item 0 comes last); the server's ``UpdateBudget`` does not bound it.
struct ReorderBuffer<Item> {
  let enabled: Bool
  private var waiting: [Int: Item] = [:]
  private var next = 0

  init(enabled: Bool) { self.enabled = enabled }

  /// Takes item `index` and returns the items now ready, in order.
  mutating func push(_ index: Int, _ item: Item) -> [Item] {
    guard enabled else { return [item] }
    waiting[index] = item
    var ready: [Item] = []
    while let item = waiting.removeValue(forKey: next) {
      ready.append(item)
      next += 1
    }
    return ready
  }
}
