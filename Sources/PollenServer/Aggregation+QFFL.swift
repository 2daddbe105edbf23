import PollenCore

/// A running q-FFL aggregate (Li et al. 2019, "Fair Resource Allocation in Federated Learning",
/// Algorithm 2, q-FedAvg): folds clients in one at a time, keeping memory one model.
///
/// With `L = 1 / learningRate`, the global model `w` and client `k`'s model `wₖ` and loss `Fₖ`:
/// `Δwₖ = L (w − wₖ)`, `Δₖ = Fₖ^q Δwₖ`, `hₖ = q Fₖ^(q−1) ‖Δwₖ‖² + L Fₖ^q`, and the new model is
/// `w − Σ Δₖ / Σ hₖ`. Flower adds `1e-10` to every loss before raising it to a power; so does
/// Pollen.
public struct QFFLSum: Sendable {
  /// The global model the clients started from.
  public let reference: [NDArray]
  /// The fairness parameter `q` (0 is FedAvg-like).
  public let q: Double
  /// The clients' learning rate; `L = 1 / learningRate` estimates the Lipschitz constant.
  public let learningRate: Double
  private var reference64: [[Double]]
  private var deltas: [[Double]]
  /// Σ hₖ so far.
  public private(set) var h: Double = 0
  /// The number of clients folded in.
  public private(set) var count = 0

  /// An empty sum for clients that started from `reference`.
  public init(reference: [NDArray], q: Double, learningRate: Double) {
    self.reference = reference
    self.q = q
    self.learningRate = learningRate
    self.reference64 = reference.map { $0.doubles() }
    self.deltas = reference.map { [Double](repeating: 0, count: $0.count) }
  }

  /// Folds in one client's model and loss.
  ///
  /// - Throws: `PollenError` `.shapeMismatch` when the model's layers differ from the reference.
  public mutating func add(_ model: [NDArray], loss: Double) throws {
    guard model.count == reference.count, zip(model, reference).allSatisfy({ $0.count == $1.count }) else {
      throw PollenError(.shapeMismatch, "q-FFL: a client's layers differ from the global model's")
    }
    let f = loss + 1e-10
    let fq = MathFunctions.pow(f, q)
    let scale = 1.0 / learningRate
    var norm = 0.0
    for (l, layer) in model.enumerated() {
      let w = layer.doubles()
      reference64[l].withUnsafeBufferPointer { ref in
        deltas[l].withUnsafeMutableBufferPointer { acc in
          for i in 0..<w.count {
            let grad = (ref[i] - w[i]) * scale
            norm += grad * grad
            acc[i] += fq * grad
          }
        }
      }
    }
    h += q * MathFunctions.pow(f, q - 1) * norm + scale * fq
    count += 1
  }

  /// `w − Σ Δₖ / Σ hₖ` in the reference's dtypes, or `nil` when no client was added.
  public func result() -> [NDArray]? {
    guard count > 0 else { return nil }
    return reference.indices.map { l in
      let out = zip(reference64[l], deltas[l]).map { $0 - $1 / h }
      return NDArray(doubles: out, dtype: reference[l].dtype, shape: reference[l].shape)
    }
  }
}

extension Aggregation {
  /// q-FFL aggregation (Flower's `QFedAvg.aggregate_fit` with `aggregate_qffl`): each client's
  /// model with the loss used for it. Flower passes the same server-side loss for every client;
  /// the paper uses each client's own loss at the global model.
  ///
  /// - Throws: `PollenError` `.invalidArgument` without clients, `.shapeMismatch` when a
  ///   client's layers differ from `reference`.
  public static func qffl(
    reference: [NDArray], clients: [(arrays: [NDArray], loss: Double)], q: Double, learningRate: Double
  ) throws -> [NDArray] {
    var sum = QFFLSum(reference: reference, q: q, learningRate: learningRate)
    for c in clients { try sum.add(c.arrays, loss: c.loss) }
    guard let result = sum.result() else {
      throw PollenError(.invalidArgument, "q-FFL: no client results to aggregate")
    }
    return result
  }
}
