import Foundation
import PollenCore

/// The Synthetic(α, β) federated data of FedProx (Li et al., "Federated Optimization in
/// Heterogeneous Networks", 2018, §5.1): every client has its own softmax-regression model and
/// its own input distribution; α controls how much the models differ between clients, β how
/// much the inputs differ.
///
/// For client k: `u_k ~ N(0, α²)`, `B_k ~ N(0, β²)`, `W_k ~ N(u_k, 1)` (classes × features),
/// `b_k ~ N(u_k, 1)`, `v_k[j] ~ N(B_k, 1)`; each example `x ~ N(v_k, Σ)` with `Σ` diagonal,
/// `Σ_jj = j^(-1.2)` (j from 1), and `y = argmax(W_k x + b_k)`. As in the paper's code, α and β
/// are standard deviations (`np.random.normal(0, alpha)`). The number of examples of client k
/// is `⌊exp(N(4, 2²))⌋ + 50` (lognormal, as the paper's code), capped at
/// ``maxSamplesPerClient``.
///
/// Nothing is stored per client: ``clientData(clientID:)`` computes a client's data from
/// `(seed, clientID)` when asked, the same every time, so a federation of a million clients
/// costs nothing until a client is sampled.
public struct SyntheticFederated: Sendable, Hashable {
  /// Spread of the clients' models (standard deviation of `u_k`).
  public let alpha: Double
  /// Spread of the clients' inputs (standard deviation of `B_k`).
  public let beta: Double
  /// The seed all clients' data derive from.
  public let seed: UInt64
  /// Features per example (60 in the paper).
  public let dimension: Int
  /// Classes (10 in the paper).
  public let numClasses: Int
  /// The most examples a client gets. The paper's code has no cap; the default, 100 000,
  /// changes fewer than 1 client in 10 000.
  public let maxSamplesPerClient: Int

  /// A federation of Synthetic(`alpha`, `beta`) clients.
  /// - Precondition: `alpha >= 0`, `beta >= 0`, `dimension > 0`, `numClasses > 1`,
  ///   `maxSamplesPerClient >= 1`.
  public init(
    alpha: Double, beta: Double, seed: UInt64, dimension: Int = 60, numClasses: Int = 10,
    maxSamplesPerClient: Int = 100_000
  ) {
    precondition(alpha >= 0 && beta >= 0, "alpha and beta must be non-negative")
    precondition(dimension > 0 && numClasses > 1, "need at least one feature and two classes")
    precondition(maxSamplesPerClient >= 1, "maxSamplesPerClient must be at least 1")
    self.alpha = alpha
    self.beta = beta
    self.seed = seed
    self.dimension = dimension
    self.numClasses = numClasses
    self.maxSamplesPerClient = maxSamplesPerClient
  }

  /// How many examples client `clientID` has (cheap: does not generate them).
  public func sampleCount(clientID: Int) -> Int {
    var rng = modelStream(clientID)
    return drawSampleCount(&rng)
  }

  /// All examples of client `clientID` (`clientID >= 0`): the same for the same seed and id,
  /// different between ids. Feature shape `[dimension]`.
  public func clientData(clientID: Int) -> Dataset {
    let model = clientModel(clientID)
    var rng = SeededRandom.derived(seed: seed, stream: UInt64(clientID) << 1 | 1)
    return generate(count: model.sampleCount, rows: { _ in model }, rng: &rng)
  }

  /// A centralised evaluation set: `size` fresh examples, each from a client drawn uniformly
  /// from `clients` (with that client's model and input distribution), so the set is a mixture
  /// of the clients' distributions. The examples are new draws, not the clients' own data.
  /// - Precondition: `size >= 0` and `clients` is non-empty and non-negative.
  public func testSet(size: Int, clients: Range<Int> = 0..<100) -> Dataset {
    precondition(size >= 0 && !clients.isEmpty && clients.lowerBound >= 0, "invalid test set request")
    var rng = SeededRandom.derived(seed: ~seed, stream: UInt64(size))
    let owners = (0..<size).map { _ in clients.lowerBound + rng.nextInt(below: clients.count) }
    var models: [Int: ClientModel] = [:]
    for owner in owners where models[owner] == nil { models[owner] = clientModel(owner) }
    return generate(count: size, rows: { models[owners[$0]]! }, rng: &rng)
  }

  // MARK: - Generation

  /// One client's model: `W` (classes × dimension, row-major), `b`, input means `v`.
  private struct ClientModel {
    var sampleCount: Int
    var weights: [Double]
    var bias: [Double]
    var inputMean: [Double]
  }

  private func modelStream(_ clientID: Int) -> SeededRandom {
    precondition(clientID >= 0, "client ids are non-negative, got \(clientID)")
    return SeededRandom.derived(seed: seed, stream: UInt64(clientID) << 1)
  }

  private func drawSampleCount(_ rng: inout SeededRandom) -> Int {
    let size = exp(rng.nextNormal(mean: 4, std: 2))
    return size >= Double(maxSamplesPerClient)
      ? maxSamplesPerClient : min(Int(size) + 50, maxSamplesPerClient)
  }

  private func clientModel(_ clientID: Int) -> ClientModel {
    var rng = modelStream(clientID)
    let sampleCount = drawSampleCount(&rng)
    let u = rng.nextNormal(std: alpha)
    let inputShift = rng.nextNormal(std: beta)
    let weights = (0..<(numClasses * dimension)).map { _ in rng.nextNormal(mean: u) }
    let bias = (0..<numClasses).map { _ in rng.nextNormal(mean: u) }
    let inputMean = (0..<dimension).map { _ in rng.nextNormal(mean: inputShift) }
    return ClientModel(sampleCount: sampleCount, weights: weights, bias: bias, inputMean: inputMean)
  }

  /// `count` examples; example `i` is drawn from the model `rows(i)`.
  private func generate(count: Int, rows: (Int) -> ClientModel, rng: inout SeededRandom) -> Dataset {
    let d = dimension
    let inputStd = (1...d).map { pow(Double($0), -0.6) }  // sqrt(j^-1.2)
    var features = [Float](repeating: 0, count: count * d)
    var labels = [Int32](repeating: 0, count: count)
    var x = [Double](repeating: 0, count: d)
    for i in 0..<count {
      let model = rows(i)
      for j in 0..<d {
        x[j] = model.inputMean[j] + inputStd[j] * rng.nextGaussian()
        features[i * d + j] = Float(x[j])
      }
      var best = 0
      var bestLogit = -Double.infinity
      for c in 0..<numClasses {
        var logit = model.bias[c]
        for j in 0..<d { logit += model.weights[c * d + j] * x[j] }
        if logit > bestLogit {
          bestLogit = logit
          best = c
        }
      }
      labels[i] = Int32(best)
    }
    return Dataset(features: features, featureShape: [d], labels: labels, numClasses: numClasses)
  }
}
