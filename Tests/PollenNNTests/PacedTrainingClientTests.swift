import PollenCore
import PollenData
import PollenNN
import Testing

/// A real client that computes as a device of a given throughput (the virtual clock's model),
/// and the device's own cut-off τ.
@Suite struct PacedTrainingClientTests {
  let train = separableBlobs(count: 120, dimensions: 6, classes: 3, seed: 1)
  let test = separableBlobs(count: 60, dimensions: 6, classes: 3, seed: 2)

  func client(cutoff: Double? = nil) -> TrainingClient {
    var settings = TrainingSettings.defaults
    settings.cutoff = cutoff
    return TrainingClient(
      model: Models.mlp(inputShape: [6], hidden: [8], classes: 3, seed: 3), trainData: train, testData: test,
      settings: settings)
  }

  @Test func aFitTakesAsLongAsTheDeviceWouldNeed() async throws {
    let paced = PacedTrainingClient(client(), examplesPerSecond: 600)
    let initial = try await paced.getParameters(config: [:])
    let clock = ContinuousClock()
    let start = clock.now
    let result = try await paced.fit(parameters: initial, config: ["local_epochs": 2])
    let elapsed = (clock.now - start).inSeconds
    #expect(result.metrics["examples_processed"] == .int(240))
    // At least what the device needs (no upper bound: a loaded CI machine may take longer).
    #expect(elapsed >= 0.4, "240 examples at 600/s take 0.4 s, not \(elapsed)")
  }

  @Test func aTimeLimitStopsWhereSuchADeviceWould() async throws {
    // 0.1 s at 500 examples/s: 50 examples, whatever this machine's speed.
    let paced = PacedTrainingClient(client(), examplesPerSecond: 500)
    let initial = try await paced.getParameters(config: [:])
    let result = try await paced.fit(parameters: initial, config: ["local_epochs": 2, "timeout": 0.1])
    #expect(result.metrics["examples_processed"] == .int(50))
    #expect(result.metrics["examples_possible"] == .int(240))
    // The device's cut-off τ does the same, and a server's longer timeout cannot extend it.
    let cut = PacedTrainingClient(client(cutoff: 0.05), examplesPerSecond: 500)
    let capped = try await cut.fit(parameters: initial, config: ["local_epochs": 2, "timeout": 10.0])
    #expect(capped.metrics["examples_processed"] == .int(25))
  }

  @Test func theCutoffCapsTheServersTimeoutOnAnUnpacedClient() async throws {
    let c = client(cutoff: 0)
    let initial = try await c.getParameters(config: [:])
    let none = try await c.fit(parameters: initial, config: ["local_epochs": 3, "timeout": 3600.0])
    #expect(none.metrics["examples_processed"] == .int(0))
    var s = TrainingSettings.defaults
    s.timeLimit = 2
    s.cutoff = 1
    #expect(s.effectiveTimeLimit == 1)
    s.cutoff = nil
    #expect(s.effectiveTimeLimit == 2)
  }
}
