import PollenCore
import PollenServer
import PollenTesting
import Testing

@testable import PollenPrivacy

@Suite("SecAgg+ rounds through the server")
struct SecAggWorkflowTests {
  /// Quantization error bound for these updates and weights (see SecAggPlusQuantization).
  static let tolerance = 5e-4
  static let robust = SecAggPlusConfig.defaults {
    $0.numShares = .count(7)
    $0.reconstructionThreshold = .count(4)
  }

  @Test("with no dropouts the secure sum equals plain FedAvg within the quantization error")
  func noDropouts() async throws {
    let f = SecAggFederation(count: 10)
    let (values, history) = try await f.runServer(.defaults)
    #expect(history.failures.isEmpty)
    #expect(maxDifference(values, f.plainAverage(of: Array(0..<10))) < Self.tolerance)
  }

  @Test("30% of clients dropped after share_keys: the others' average, the dropped as failures")
  func droppedAfterShareKeys() async throws {
    let drops: [Int: SecAggPlusProtocol.Stage] = [
      0: .collectMaskedVectors, 4: .collectMaskedVectors, 7: .collectMaskedVectors,
    ]
    let f = SecAggFederation(count: 10, drops: drops)
    let (values, history) = try await f.runServer(Self.robust)
    let survivors = (0..<10).filter { drops[$0] == nil }
    #expect(maxDifference(values, f.plainAverage(of: survivors)) < Self.tolerance)
    #expect(Set(history.failures.map(\.cid)) == ["c0", "c4", "c7"])
    #expect(history.failures.allSatisfy { $0.reason.contains("collect_masked_vectors") })
  }

  @Test("30% of clients dropped after sending masked vectors: their updates still count")
  func droppedBeforeUnmask() async throws {
    let drops: [Int: SecAggPlusProtocol.Stage] = [1: .unmask, 5: .unmask, 8: .unmask]
    let f = SecAggFederation(count: 10, drops: drops)
    let (values, history) = try await f.runServer(Self.robust)
    #expect(maxDifference(values, f.plainAverage(of: Array(0..<10))) < Self.tolerance)
    #expect(Set(history.failures.map(\.cid)) == ["c1", "c5", "c8"])
  }

  @Test("clients dropped during setup or share_keys leave the round, which goes on")
  func droppedEarly() async throws {
    for stage in [SecAggPlusProtocol.Stage.setup, .shareKeys] {
      let drops: [Int: SecAggPlusProtocol.Stage] = [2: stage, 3: stage, 9: stage]
      let f = SecAggFederation(count: 10, drops: drops)
      let (values, history) = try await f.runServer(Self.robust)
      let survivors = (0..<10).filter { drops[$0] == nil }
      #expect(maxDifference(values, f.plainAverage(of: survivors)) < Self.tolerance, "\(stage)")
      #expect(Set(history.failures.map(\.cid)) == ["c2", "c3", "c9"], "\(stage)")
    }
  }

  @Test("a plain Flower client is refused with the reason and never sent a stage")
  func plainClientRefused() async throws {
    let f = SecAggFederation(count: 5, plain: [2])
    let (values, history) = try await f.runServer(.defaults)
    #expect(maxDifference(values, f.plainAverage(of: [0, 1, 3, 4])) < Self.tolerance)
    #expect(history.failures.count == 1)
    let failure = try #require(history.failures.first)
    #expect(failure.cid == "c2")
    #expect(failure.reason.contains("does not support Pollen SecAgg+"))
    #expect(f.proxies[2].stagesSent.withLock { $0 }.isEmpty)
  }

  @Test("the server only ever receives masked vectors, and their sum is right")
  func serverSeesOnlyMaskedVectors() async throws {
    let f = SecAggFederation(count: 6)
    let (values, _) = try await f.runServer(.defaults)
    #expect(maxDifference(values, f.plainAverage(of: Array(0..<6))) < Self.tolerance)
    let c = SecAggPlusConfig.defaults
    for (i, proxy) in f.proxies.enumerated() {
      let received = proxy.received.withLock { $0 }
      #expect(!received.contains { $0.stage == "plain" })
      // Only the masked vector carries tensors; every other stage reply has none.
      let vectors = received.filter { !$0.parameters.tensors.isEmpty }
      try #require(vectors.count == 1)
      #expect(vectors[0].stage == SecAggPlusProtocol.Stage.collectMaskedVectors.rawValue)
      let masked = vectors[0].parameters.tensors[0].scalars(as: UInt32.self).map(UInt64.init)
      // The client's true quantized update: each entry is ⌊x⌋ or ⌈x⌉ of its scaled value.
      let q = SecAggPlusQuantization.quantizedWeight(
        numExamples: f.weights[i], maxWeight: c.maxWeight, quantizationRange: c.quantizationRange)
      let scale = Double(c.quantizationRange) / (2 * c.clippingRange)
      let ratio = Double(q) / Double(c.quantizationRange)
      func scaled(_ x: Double) -> Double {
        (min(max(x * ratio, -c.clippingRange), c.clippingRange) + c.clippingRange) * scale
      }
      let truth = [Double(q)] + f.updates[i].flatMap { $0.doubles() }.map(scaled)
      #expect(masked.count == truth.count)
      let plainLooking = zip(masked, truth).filter { abs(Double($0) - $1) <= 1 }.count
      #expect(plainLooking == 0, "client \(i): \(plainLooking) of \(masked.count) entries look unmasked")
    }
  }

  @Test("the workflow's single result: the average, weight Σ nᵢ, and the contributors")
  func singleResult() async throws {
    let f = SecAggFederation(count: 5)
    let instructions: [FitInstruction] = f.proxies.map { ($0, FitIns(parameters: SecAggFederation.model)) }
    let workflow = try SecAggPlusWorkflow()
    let report = await workflow.run(
      serverRound: 1, instructions: instructions, parameters: SecAggFederation.model, timeout: .seconds(30),
      logger: .init(label: "test"))
    let res = try #require(report.outcome.result)
    #expect(abs(res.numExamples - f.weights.reduce(0, +)) <= 1)
    #expect(Set(report.outcome.contributors) == Set(f.proxies.map(\.cid)))
    #expect(
      report.stages.map(\.name) == ["negotiate", "setup", "share_keys", "collect_masked_vectors", "unmask"])
    #expect(res.parameters.tensors.map(\.shape) == SecAggFederation.shapes)
    #expect(res.parameters.tensors.allSatisfy { $0.dtype == .float32 })
  }

  @Test("too many clients lost before unmask: the round has no result and nothing leaks")
  func tooManyLost() async throws {
    let drops = Dictionary(uniqueKeysWithValues: (0..<4).map { ($0, SecAggPlusProtocol.Stage.unmask) })
    let f = SecAggFederation(count: 5, drops: drops)
    let (values, history) = try await f.runServer(.defaults)
    #expect(values.allSatisfy { $0 == 0 })  // the global model is unchanged
    #expect(Set(history.failures.map(\.cid)) == Set(f.proxies.map(\.cid)))
  }

  @Test("a round whose threshold cannot be met is refused before any stage is sent")
  func refusedBeforeSending() async throws {
    let f = SecAggFederation(count: 3)
    let config = SecAggPlusConfig.defaults { $0.reconstructionThreshold = .count(4) }
    let (_, history) = try await f.runServer(config)
    #expect(history.failures.count == 3)
    #expect(history.failures.allSatisfy { $0.reason.contains("reconstruction_threshold 4") })
    for p in f.proxies { #expect(p.stagesSent.withLock { $0 }.isEmpty) }
  }
}
