import PollenCore
import PollenNN
import Testing

/// Analytic gradients against central finite differences (relative error of the whole
/// gradient vector; Float arithmetic, scalars summed in Double).
@Suite struct GradientTests {
  @Test func dense() {
    var rng = SeededRandom(seed: 7)
    var layer = Dense(inputs: 5, outputs: 4, initializer: .glorotUniform, rng: &rng)
    layer.bias = Tensor(shape: [4], data: randomValues(4, seed: 8))
    let input = Tensor(shape: [3, 5], data: randomValues(15, seed: 9))
    for error in gradientErrors(layer, input: input, eps: 1e-2) { #expect(error < 1e-2) }
  }

  @Test(arguments: [Conv2D.Padding.same, .valid])
  func conv2D(padding: Conv2D.Padding) {
    var rng = SeededRandom(seed: 10)
    var layer = Conv2D(inChannels: 2, outChannels: 3, kernelSize: 3, padding: padding, rng: &rng)
    layer.bias = Tensor(shape: [3], data: randomValues(3, seed: 11))
    let input = Tensor(shape: [2, 2, 5, 6], data: randomValues(120, seed: 12))
    let errors = gradientErrors(layer, input: input, eps: 1e-2)
    #expect(errors.count == 3)
    for error in errors { #expect(error < 1e-2) }
  }

  @Test func conv2DEvenKernelSame() {
    var rng = SeededRandom(seed: 13)
    let layer = Conv2D(inChannels: 1, outChannels: 2, kernelSize: 4, padding: .same, rng: &rng)
    #expect(layer.outputShape(for: [1, 6, 5]) == [2, 6, 5])
    let input = Tensor(shape: [1, 1, 6, 5], data: randomValues(30, seed: 14))
    for error in gradientErrors(layer, input: input, eps: 1e-2) { #expect(error < 1e-2) }
  }

  @Test func conv2DMatchesDirectConvolution() {
    var rng = SeededRandom(seed: 15)
    var layer = Conv2D(inChannels: 2, outChannels: 2, kernelSize: 3, padding: .same, rng: &rng)
    layer.bias = Tensor(shape: [2], data: [0.5, -0.25])
    let (c, h, w) = (2, 4, 5)
    let input = Tensor(shape: [1, c, h, w], data: randomValues(c * h * w, seed: 16))
    let y = layer.forward(input)
    for o in 0..<2 {
      for i in 0..<h {
        for j in 0..<w {
          var acc = Double(layer.bias.data[o])
          for ch in 0..<c {
            for ky in 0..<3 {
              for kx in 0..<3 {
                let (ii, jj) = (i + ky - 1, j + kx - 1)
                guard ii >= 0, ii < h, jj >= 0, jj < w else { continue }
                let weight: Float = layer.weight.data[((o * c + ch) * 3 + ky) * 3 + kx]
                let value: Float = input.data[(ch * h + ii) * w + jj]
                acc += Double(weight) * Double(value)
              }
            }
          }
          #expect(abs(Double(y.data[(o * h + i) * w + j]) - acc) < 1e-5)
        }
      }
    }
  }

  @Test func maxPool2D() {
    // Distinct values at least 0.05 apart, so ±eps never changes which element is the max.
    var rng = SeededRandom(seed: 17)
    var values: [Float] = (0..<80).map { (i: Int) -> Float in Float(i) * 0.05 - 2 }
    values.shuffle(using: &rng)
    let input = Tensor(shape: [2, 2, 5, 4], data: values)
    var layer = MaxPool2D()
    #expect(layer.forward(input).shape == [2, 2, 2, 2])
    for error in gradientErrors(layer, input: input, eps: 1e-2) { #expect(error < 1e-2) }
  }

  @Test func reluAndFlatten() {
    // Inputs away from the kink at 0.
    let values = randomValues(24, seed: 18).map { $0 < 0 ? $0 - 0.1 : $0 + 0.1 }
    let input = Tensor(shape: [2, 3, 2, 2], data: values)
    for error in gradientErrors(ReLU(), input: input, eps: 1e-2) { #expect(error < 1e-2) }
    for error in gradientErrors(Flatten(), input: input, eps: 1e-2) { #expect(error < 1e-2) }
    var flatten = Flatten()
    #expect(flatten.forward(input).shape == [2, 12])
  }

  @Test func softmaxCrossEntropy() {
    let logits = randomValues(12, in: -3...3, seed: 19)
    let labels: [Int32] = [2, 0, 3]
    let (loss, gradient) = Loss.softmaxCrossEntropy(
      logits: Tensor(shape: [3, 4], data: logits), labels: labels)
    let numeric = numericGradient(
      of: { Loss.softmaxCrossEntropy(logits: Tensor(shape: [3, 4], data: $0), labels: labels).loss },
      at: logits, eps: 1e-2)
    #expect(relativeError(gradient.data, numeric) < 1e-2)
    // Uniform logits cost log(classes).
    let uniform = Loss.softmaxCrossEntropy(logits: Tensor(shape: [1, 4]), labels: [1]).loss
    #expect(abs(uniform - 1.3862943611) < 1e-6)
    #expect(loss > 0)
    // Stable for large logits.
    let big = Loss.softmaxCrossEntropy(logits: Tensor(shape: [1, 2], data: [1000, 0]), labels: [1])
    #expect(abs(big.loss - 1000) < 1e-3 && big.gradient.data.allSatisfy(\.isFinite))
  }

  @Test func meanSquaredError() {
    let output = randomValues(6, seed: 20)
    let targets = Tensor(shape: [2, 3], data: randomValues(6, seed: 21))
    let (loss, gradient) = Loss.meanSquaredError(Tensor(shape: [2, 3], data: output), targets: targets)
    let numeric = numericGradient(
      of: { Loss.meanSquaredError(Tensor(shape: [2, 3], data: $0), targets: targets).loss }, at: output,
      eps: 1e-2)
    #expect(relativeError(gradient.data, numeric) < 1e-2)
    let expected = zip(output, targets.data).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 6
    #expect(abs(loss - expected) < 1e-6)
    #expect(Loss.meanSquaredError.evaluate(Tensor(shape: [1, 2], data: [0, 1]), labels: [1]).loss == 0)
  }

  @Test func proximalTerm() {
    let shapes = [[2, 3], [3]]
    let w = [
      Tensor(shape: shapes[0], data: randomValues(6, seed: 22)),
      Tensor(shape: shapes[1], data: randomValues(3, seed: 23)),
    ]
    let g = [
      Tensor(shape: shapes[0], data: randomValues(6, seed: 24)),
      Tensor(shape: shapes[1], data: randomValues(3, seed: 25)),
    ]
    let term = ProximalTerm(mu: 0.7, global: g)
    let analytic = term.gradient(w).flatMap(\.data)
    let flat = w.flatMap(\.data)
    let numeric = numericGradient(
      of: { v in
        term.value([
          Tensor(shape: shapes[0], data: Array(v[0..<6])), Tensor(shape: shapes[1], data: Array(v[6...])),
        ])
      },
      at: flat, eps: 1e-2)
    #expect(relativeError(analytic, numeric) < 1e-2)
    #expect(term.value(g) == 0)
    #expect(
      term.adding(to: [1, 1, 1], parameter: w[1].data, index: 1)
        == zip(w[1].data, g[1].data).map { 1 + 0.7 * ($0 - $1) })
  }

  @Test func wholeModelGradient() {
    // The CNN end to end (tiny sizes): parameter gradients of the mean loss.
    var model = Models.cnn(inputShape: [1, 8, 8], classes: 3, conv1: 2, conv2: 3, hidden: 5, seed: 3)
    let x = Tensor(shape: [2, 1, 8, 8], data: randomValues(128, seed: 26))
    let labels: [Int32] = [1, 2]
    let (_, g) = Loss.softmaxCrossEntropy(logits: model.forward(x), labels: labels)
    model.backward(g)
    let analytic = model.gradients.flatMap(\.data)
    let parameters = model.parameters
    let flat = parameters.flatMap(\.data)
    let probe = Array(stride(from: 0, to: flat.count, by: 7))
    let numeric = numericGradient(
      of: { v in
        var m = model
        var offset = 0
        let tensors = parameters.map { p -> Tensor in
          defer { offset += p.count }
          return Tensor(shape: p.shape, data: Array(v[offset..<(offset + p.count)]))
        }
        try! m.setParameters(tensors)
        return Loss.softmaxCrossEntropy(logits: m.forward(x), labels: labels).loss
      }, at: flat, eps: 1e-3, indices: probe)
    #expect(relativeError(probe.map { analytic[$0] }, probe.map { numeric[$0] }) < 2e-2)
  }
}
