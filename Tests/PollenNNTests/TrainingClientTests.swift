import PollenCore
import PollenData
import PollenNN
import Testing

@Suite struct TrainingClientTests {
  let train = separableBlobs(count: 120, dimensions: 6, classes: 3, seed: 1)
  let test = separableBlobs(count: 60, dimensions: 6, classes: 3, seed: 2)

  func client(_ settings: TrainingSettings = .defaults) -> TrainingClient {
    TrainingClient(
      model: Models.mlp(inputShape: [6], hidden: [8], classes: 3, seed: 3), trainData: train, testData: test,
      settings: settings)
  }

  @Test func getParametersGivesTheInitialModel() async throws {
    let c = client()
    #expect(try await c.getParameters(config: [:]) == c.model.parameterArrays())
  }

  @Test func fitTrainsAndReportsLoss() async throws {
    let c = client()
    let initial = try await c.getParameters(config: [:])
    let fit = try await c.fit(parameters: initial, config: ["local_epochs": 2, "lr": 0.1, "batch_size": 16])
    #expect(fit.numExamples == 120)
    #expect(fit.metrics["examples_processed"] == .int(240))
    #expect(fit.parameters.map(\.shape) == initial.map(\.shape))
    #expect(fit.parameters != initial)
    guard case .double(let loss)? = fit.metrics["loss"] else {
      Issue.record("no loss metric")
      return
    }
    #expect(loss > 0 && loss.isFinite)
    let before = try await c.evaluate(parameters: initial, config: [:])
    let after = try await c.evaluate(parameters: fit.parameters, config: [:])
    #expect(after.numExamples == 60)
    #expect(after.loss < before.loss)
    guard case .double(let accuracy)? = after.metrics["accuracy"] else {
      Issue.record("no accuracy metric")
      return
    }
    #expect(accuracy > 0.9)
  }

  @Test func configNumbersMayBeIntsOrDoubles() async throws {
    let c = client()
    let initial = try await c.getParameters(config: [:])
    let a = try await c.fit(
      parameters: initial, config: ["local_epochs": .int(2), "batch_size": .int(10), "lr": .int(0)])
    let b = try await c.fit(
      parameters: initial, config: ["local_epochs": .double(2), "batch_size": .double(10), "lr": .double(0)])
    #expect(a.parameters == initial)  // lr 0 changes nothing
    #expect(a.parameters == b.parameters && a.metrics == b.metrics)
    let s = try TrainingSettings.defaults.applying([
      "proximal_mu": .int(1), "max_examples": .double(50), "optimizer": "adam", "weight_decay": 0.01,
    ])
    #expect(s.proximalMu == 1 && s.maxExamples == 50)
    #expect(s.optimizer == .adam(weightDecay: 0.01))
    #expect(throws: PollenError.self) { try TrainingSettings.defaults.applying(["batch_size": 0]) }
    #expect(throws: PollenError.self) { try TrainingSettings.defaults.applying(["lr": "fast"]) }
  }

  @Test func maxExamplesAndProximalMu() async throws {
    let c = client()
    let initial = try await c.getParameters(config: [:])
    let partial = try await c.fit(parameters: initial, config: ["max_examples": 50, "local_epochs": 3])
    #expect(partial.numExamples == 50)
    #expect(partial.metrics["examples_processed"] == .int(50))
    let prox = try await c.fit(parameters: initial, config: ["proximal_mu": 1000.0, "lr": 0.0005])
    let free = try await c.fit(parameters: initial, config: ["lr": 0.0005])
    func distance(_ p: [NDArray]) -> Double {
      var sum = 0.0
      for (a, b) in zip(p, initial) {
        for (x, y) in zip(a.doubles(), b.doubles()) { sum += (x - y) * (x - y) }
      }
      return sum
    }
    #expect(distance(prox.parameters) < distance(free.parameters))
  }

  @Test func timeoutStopsTrainingAndReportsTheRealExampleCount() async throws {
    let c = client()
    let initial = try await c.getParameters(config: [:])
    // No time at all: nothing is processed, and the client says so.
    let none = try await c.fit(parameters: initial, config: ["local_epochs": 3, "timeout": 0.0])
    #expect(none.metrics["examples_processed"] == .int(0))
    #expect(none.numExamples == 0)
    #expect(none.parameters == initial)
    // Plenty of time: all of the work.
    let all = try await c.fit(parameters: initial, config: ["local_epochs": 3, "timeout": 3600.0])
    #expect(all.metrics["examples_processed"] == .int(360))
    // A big job with a short limit stops early and reports what it did.
    let big = TrainingClient(
      model: Models.mlp(inputShape: [6], hidden: [8], classes: 3, seed: 3),
      trainData: separableBlobs(count: 2000, dimensions: 6, classes: 3, seed: 4), testData: test)
    let clock = ContinuousClock()
    let start = clock.now
    let partial = try await big.fit(
      parameters: initial, config: ["local_epochs": 100_000, "batch_size": 1, "timeout": 0.2])
    let processed = try #require(partial.metrics["examples_processed"]?.intValue)
    #expect(processed > 0 && processed < 200_000_000)
    #expect(clock.now - start < .seconds(60))
    #expect(partial.metrics["examples_possible"] == .int(200_000_000))
    #expect(throws: PollenError.self) { try TrainingSettings.defaults.applying(["timeout": -1.0]) }
  }

  @Test func wrongParametersFail() async {
    let c = client()
    do {
      _ = try await c.fit(parameters: [NDArray([Float](repeating: 0, count: 3))], config: [:])
      Issue.record("expected a shape mismatch")
    } catch {
      #expect((error as? PollenError)?.code == .shapeMismatch)
    }
  }

  @Test func concurrentFitsAreIndependentAndReproducible() async throws {
    let c = client()
    let initial = try await c.getParameters(config: [:])
    let results = try await withThrowingTaskGroup(of: [NDArray].self) { group in
      for _ in 0..<4 {
        group.addTask { try await c.fit(parameters: initial, config: ["server_round": 3]).parameters }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(results.count == 4 && results.allSatisfy { $0 == results[0] })
    let otherRound = try await c.fit(parameters: initial, config: ["server_round": 4])
    #expect(otherRound.parameters != results[0])
    let client = c.asClient()
    let res = try await client.fit(
      FitIns(parameters: Parameters(tensors: initial), config: ["server_round": 3]))
    #expect(res.parameters.tensors == results[0])
  }
}
