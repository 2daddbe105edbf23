import Foundation
import PollenCore
import PollenServer
import Testing

@Suite("StrategyFactory")
struct StrategyFactoryTests {
  @Test("every name builds its strategy, with Flower's defaults")
  func names() throws {
    #expect(StrategyFactory.names.count == 14)
    #expect(try StrategyFactory.make("fedfs", options: ["timeout_fast": "2"]) is FedFS)
    #expect(try StrategyFactory.make("fedavg") is FedAvg)
    #expect(try StrategyFactory.make("fedprox", options: ["proximal_mu": "0.1"]) is FedProx)
    #expect(try StrategyFactory.make("FedAvgM") is FedAvgM)
    #expect(try StrategyFactory.make("fedadagrad") is FedAdagrad)
    #expect(try StrategyFactory.make("fedadam") is FedAdam)
    #expect(try StrategyFactory.make("fedyogi") is FedYogi)
    #expect(try StrategyFactory.make("fedmedian") is FedMedian)
    #expect(try StrategyFactory.make("fedtrimmedavg") is FedTrimmedAvg)
    #expect(try StrategyFactory.make("krum") is Krum)
    #expect(try StrategyFactory.make("bulyan") is Bulyan)
    #expect(try StrategyFactory.make("qfedavg") is QFedAvg)
    #expect(try StrategyFactory.make("fault-tolerant-fedavg") is FaultTolerantFedAvg)
    let multi = try #require(
      try StrategyFactory.make("multikrum", options: ["num_clients_to_keep": "3"]) as? Krum)
    #expect(multi.numClientsToKeep == 3 && multi.numMaliciousClients == 0)
    let yogi = try #require(try StrategyFactory.make("fedyogi") as? FedYogi)
    #expect(
      yogi.fedOpt.eta == 1e-2 && yogi.fedOpt.etaL == 0.0316 && yogi.fedOpt.tau == 1e-3
        && yogi.fedOpt.rule == .yogi)
    let q = try #require(try StrategyFactory.make("qfedavg") as? QFedAvg)
    #expect(
      q.qParam == 0.2 && q.qfflLearningRate == 0.1 && q.lossSource == .server && q.fedAvg.minFitClients == 1)
    let ft = try #require(try StrategyFactory.make("faulttolerantfedavg") as? FaultTolerantFedAvg)
    #expect(ft.minCompletionRateFit == 0.5 && ft.fedAvg.minAvailableClients == 1)
  }

  @Test("options are applied on top of the common settings")
  func options() throws {
    let initial = Parameters(tensors: [NDArray([Float(1)])])
    let settings = StrategySettings(fractionFit: 0.5, minFitClients: 3, initialParameters: initial)
    let adam = try #require(
      try StrategyFactory.make(
        "fedadam", options: ["eta": "0.01", "beta_1": "0.5", "min_fit_clients": "7"], settings: settings)
        as? FedAdam)
    #expect(adam.fedOpt.eta == 0.01 && adam.fedOpt.beta1 == 0.5 && adam.fedOpt.beta2 == 0.99)
    #expect(adam.fedAvg.fractionFit == 0.5 && adam.fedAvg.minFitClients == 7)
    #expect(adam.fedOpt.currentWeights == initial.tensors)
    let q = try #require(
      try StrategyFactory.make(
        "qfedavg", options: ["loss_source": "client_metrics", "q_param": "1"], settings: settings)
        as? QFedAvg)
    #expect(q.lossSource == .clientMetrics && q.qParam == 1 && q.fedAvg.minFitClients == 3)
    let prox = try #require(
      try StrategyFactory.make("fedprox", options: ["proximal_mu": "0.1", "accept_failures": "false"])
        as? FedProx)
    #expect(prox.proximalMu == 0.1 && !prox.fedAvg.acceptFailures)
    let trimmed = try #require(
      try StrategyFactory.make("fedtrimmedavg", options: ["beta": "0.1"]) as? FedTrimmedAvg)
    #expect(trimmed.beta == 0.1)
  }

  @Test("key=value pairs parse; malformed pairs throw")
  func parse() throws {
    #expect(
      try StrategyOptions.parse(["proximal_mu=0.1", " eta = 2 ", "key=a=b"]) == [
        "proximal_mu": "0.1", "eta": "2", "key": "a=b",
      ])
    #expect(throws: PollenError.self) { try StrategyOptions.parse(["proximal_mu"]) }
    #expect(throws: PollenError.self) { try StrategyOptions.parse(["=3"]) }
  }

  /// The error `body` throws, expected to be `.invalidArgument` mentioning every one of `words`.
  func expectInvalid(
    _ words: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any
  ) {
    do {
      _ = try body()
      Issue.record("expected an invalidArgument error", sourceLocation: sourceLocation)
    } catch let e as PollenError {
      #expect(e.code == .invalidArgument, sourceLocation: sourceLocation)
      for w in words {
        #expect(e.message.contains(w), "\(e.message) lacks \(w)", sourceLocation: sourceLocation)
      }
    } catch {
      Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test("unknown names and keys, and bad values, throw invalidArgument listing the valid ones")
  func errors() {
    expectInvalid(["fedsgd", "fedavg", "bulyan", "faulttolerantfedavg"]) {
      try StrategyFactory.make("fedsgd")
    }
    expectInvalid(["mu", "proximal_mu", "fraction_fit"]) {
      try StrategyFactory.make("fedprox", options: ["mu": "1"])
    }
    expectInvalid(["proximal_mu"]) { try StrategyFactory.make("fedprox") }
    expectInvalid(["eta", "number"]) { try StrategyFactory.make("fedadam", options: ["eta": "fast"]) }
    expectInvalid(["beta", "[0, 0.5)"]) {
      try StrategyFactory.make("fedtrimmedavg", options: ["beta": "0.7"])
    }
    expectInvalid(["num_malicious_clients", "integer"]) {
      try StrategyFactory.make("krum", options: ["num_malicious_clients": "1.5"])
    }
    expectInvalid(["num_clients_to_keep"]) { try StrategyFactory.make("multikrum") }
    expectInvalid(["to_keep"]) { try StrategyFactory.make("bulyan", options: ["to_keep": "2"]) }
    expectInvalid(["loss_source", "server", "client_metrics"]) {
      try StrategyFactory.make("qfedavg", options: ["loss_source": "x"])
    }
    expectInvalid(["fraction_fit"]) { try StrategyFactory.make("fedavg", options: ["fraction_fit": "2"]) }
    expectInvalid(["accept_failures"]) {
      try StrategyFactory.make("fedavg", options: ["accept_failures": "maybe"])
    }
    expectInvalid(["accept_failures", "min_completion_rate_fit"]) {
      try StrategyFactory.make("faulttolerantfedavg", options: ["accept_failures": "true"])
    }
    #expect(throws: PollenError.self) { try StrategyFactory.optionKeys(for: "nope") }
    #expect((try? StrategyFactory.optionKeys(for: "fedmedian")) == StrategyFactory.commonOptionKeys)
  }
}

@Suite("Parity fixture loader")
struct ParityLoaderTests {
  @Test("a missing fixture fails the test loudly")
  func missingFixture() throws {
    let empty = FileManager.default.temporaryDirectory.appendingPathComponent(
      "pollen-empty-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: empty) }
    // The loader records an issue (so a missing fixture can never pass silently) and throws.
    withKnownIssue("the loader reports the missing fixture") {
      _ = try ParityFixtures.load("fedavg", from: empty)
    }
    var thrown: (any Error)?
    withKnownIssue {
      do { _ = try ParityFixtures.load("krum", from: empty) } catch {
        thrown = error
        throw error
      }
    }
    guard case .missing(let path)? = thrown as? ParityFixtures.FixtureError else {
      Issue.record("expected FixtureError.missing, got \(String(describing: thrown))")
      return
    }
    #expect(path.hasSuffix("krum.json"))
  }
}
