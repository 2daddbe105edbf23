/// FedProx's proximal term `μ/2 · ‖w − w_global‖²` (Li et al. 2020), added to the local loss so
/// that local training stays near the global model; its gradient is `μ · (w − w_global)`.
public struct ProximalTerm: Sendable {
  /// μ ≥ 0.
  public var mu: Float
  /// The global model's parameters, in the model's parameter order.
  public var global: [Tensor]

  public init(mu: Float, global: [Tensor]) {
    self.mu = mu
    self.global = global
  }

  /// `μ/2 · Σ ‖w − w_global‖²` over every parameter tensor.
  public func value(_ parameters: [Tensor]) -> Double {
    var sum = 0.0
    for (w, g) in zip(parameters, global) {
      for i in 0..<w.count {
        let d = Double(w.data[i] - g.data[i])
        sum += d * d
      }
    }
    return Double(mu) / 2 * sum
  }

  /// `μ · (w − w_global)` for every parameter tensor.
  public func gradient(_ parameters: [Tensor]) -> [Tensor] {
    zip(parameters, global).map { w, g in
      Tensor(shape: w.shape, data: zip(w.data, g.data).map { mu * ($0 - $1) })
    }
  }

  /// `gradient + μ · (parameter − global[index])`, for parameter tensor `index`.
  public func adding(to gradient: [Float], parameter: [Float], index: Int) -> [Float] {
    let g = global[index].data
    var out = gradient
    for i in out.indices { out[i] += mu * (parameter[i] - g[i]) }
    return out
  }
}
