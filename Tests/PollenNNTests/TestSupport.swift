import Foundation
import PollenCore
import PollenData
import PollenNN

/// `count` uniform values in `range`, from a seeded generator.
func randomValues(_ count: Int, in range: ClosedRange<Double> = -1...1, seed: UInt64) -> [Float] {
  var rng = SeededRandom(seed: seed)
  return (0..<count).map { _ in
    Float(range.lowerBound + rng.nextUnit() * (range.upperBound - range.lowerBound))
  }
}

/// `‖a − b‖ / max(‖a‖, ‖b‖, floor)`.
func relativeError(_ a: [Float], _ b: [Float], floor: Double = 1e-6) -> Double {
  precondition(a.count == b.count)
  var diff = 0.0
  var na = 0.0
  var nb = 0.0
  for (x, y) in zip(a, b) {
    diff += Double(x - y) * Double(x - y)
    na += Double(x) * Double(x)
    nb += Double(y) * Double(y)
  }
  return diff.squareRoot() / max(na.squareRoot(), nb.squareRoot(), floor)
}

/// Central finite differences of `f` at `x`, step `eps`, for the coordinates in `indices`
/// (all by default); other coordinates are reported as `nil`.
func numericGradient(
  of f: ([Float]) -> Double, at x: [Float], eps: Float, indices: [Int]? = nil
) -> [Float] {
  var g = [Float](repeating: 0, count: x.count)
  var probe = x
  for i in indices ?? Array(x.indices) {
    probe[i] = x[i] + eps
    let plus = f(probe)
    probe[i] = x[i] - eps
    let minus = f(probe)
    probe[i] = x[i]
    g[i] = Float((plus - minus) / (2 * Double(eps)))
  }
  return g
}

/// `Σ r ⊙ y` in Double: a scalar whose gradient with respect to `y` is `r`.
func weightedSum(_ y: Tensor, _ r: Tensor) -> Double {
  zip(y.data, r.data).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Checks a layer's input and parameter gradients against central differences of
/// `Σ r ⊙ layer(x)`; returns the relative errors (input first, then each parameter).
func gradientErrors<L: Layer>(_ layer: L, input: Tensor, eps: Float, seed: UInt64 = 99) -> [Double] {
  var analytic = layer
  let y = analytic.forward(input)
  let r = Tensor(shape: y.shape, data: randomValues(y.count, seed: seed))
  let dx = analytic.backward(r)
  var errors: [Double] = []
  let numericX = numericGradient(
    of: { values in
      var l = layer
      return weightedSum(l.forward(Tensor(shape: input.shape, data: values)), r)
    }, at: input.data, eps: eps)
  errors.append(relativeError(dx.data, numericX))
  let parameters = layer.parameters
  for (index, parameter) in parameters.enumerated() {
    let numeric = numericGradient(
      of: { values in
        var l = layer
        var p = parameters
        p[index] = Tensor(shape: parameter.shape, data: values)
        l.parameters = p
        return weightedSum(l.forward(input), r)
      }, at: parameter.data, eps: eps)
    errors.append(relativeError(analytic.gradients[index].data, numeric))
  }
  return errors
}

/// One well-separated Gaussian blob per class in `dimensions` dimensions: the centres come from
/// `centres` (the same for training and test sets), the samples from `seed`.
func separableBlobs(count: Int, dimensions: Int, classes: Int, seed: UInt64, centres centreSeed: UInt64 = 0)
  -> Dataset
{
  var centreRng = SeededRandom(seed: centreSeed)
  let centres = (0..<classes).map { _ in (0..<dimensions).map { _ in Float(centreRng.nextGaussian() * 3) } }
  var rng = SeededRandom(seed: seed)
  var features: [Float] = []
  var labels: [Int32] = []
  for i in 0..<count {
    let label = i % classes
    features += centres[label].map { $0 + Float(rng.nextGaussian() * 0.5) }
    labels.append(Int32(label))
  }
  return Dataset(features: features, featureShape: [dimensions], labels: labels, numClasses: classes)
}

/// 28 × 28 images: a bright 8 × 8 square near the top-left (class 0) or bottom-right (class 1),
/// jittered by up to 3 pixels, on noise.
func squaresDataset(count: Int, seed: UInt64) -> Dataset {
  var rng = SeededRandom(seed: seed)
  var features: [Float] = []
  var labels: [Int32] = []
  for i in 0..<count {
    let label = i % 2
    var image = (0..<(28 * 28)).map { _ in Float(rng.nextUnit() * 0.3) }
    let top = (label == 0 ? 3 : 17) + Int(rng.next() % 4)
    let left = (label == 0 ? 3 : 17) + Int(rng.next() % 4)
    for y in top..<(top + 8) { for x in left..<(left + 8) { image[y * 28 + x] = 1 } }
    features += image
    labels.append(Int32(label))
  }
  return Dataset(features: features, featureShape: [1, 28, 28], labels: labels, numClasses: 2)
}
