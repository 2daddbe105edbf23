import Foundation
import PollenCore
import PollenPrivacy
import PollenRecipes
import PollenServer
import Testing

@Suite("pollen simulate's job")
struct SimulationJobTests {
  func small(_ configure: (inout SimulationJob.Options) -> Void = { _ in }) -> SimulationJob.Options {
    var o = SimulationJob.Options.defaults
    o.clients = 20
    o.rounds = 3
    o.fractionFit = 0.25
    o.localEpochs = 2
    o.model = .logreg
    o.partition = .iid
    configure(&o)
    return o
  }

  @Test("digits: the same seed gives an identical history.json, and accuracy rises")
  func deterministicAndLearning() async throws {
    let a = try await SimulationJob(options: small()).run()
    let b = try await SimulationJob(options: small()).run()
    #expect(a.history.jsonData(includeTimings: false) == b.history.jsonData(includeTimings: false))
    #expect(a.parameters == b.parameters)
    let acc = try #require(a.history.metricsCentralized["accuracy"]).map { $0.value.doubleValue! }
    #expect(acc.count == 4, "round 0 plus three rounds")
    #expect(acc.last! > acc.first! + 0.3, "accuracy \(acc) should rise well above chance")
    let other = try await SimulationJob(options: small { $0.seed = 9 }).run()
    #expect(other.history.jsonData(includeTimings: false) != a.history.jsonData(includeTimings: false))
  }

  @Test("any strategy of the library by name, with options")
  func strategies() async throws {
    for (name, options) in [
      ("fedmedian", [String: String]()), ("fedprox", ["proximal_mu": "0.1"]), ("fedadam", ["eta": "0.05"]),
    ] {
      let out = try await SimulationJob(
        options: small {
          $0.strategy = name; $0.strategyOptions = options; $0.rounds = 2
        }
      ).run()
      #expect(out.history.lossesCentralized.count == 3, "\(name)")
    }
    await #expect(throws: PollenError.self) {
      try await SimulationJob(options: small { $0.strategy = "nope" }).run()
    }
  }

  @Test("a CSV the user brings trains; a malformed one is an error naming the line")
  func csv() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pollen-csv-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var rows = ["label,x1,x2"]
    for i in 0..<200 {
      let c = i % 2
      rows.append("\(c),\(Double(c) * 2 + Double(i % 7) * 0.1),\(Double(1 - c) * 2 - Double(i % 5) * 0.1)")
    }
    let good = dir.appendingPathComponent("good.csv")
    try rows.joined(separator: "\n").write(to: good, atomically: true, encoding: .utf8)
    let out = try await SimulationJob(
      options: small {
        $0.dataset = try! DatasetSpec(parsing: "csv:\(good.path)", labelColumn: 0)
        $0.clients = 10
      }
    ).run()
    #expect(try #require(out.history.metricsCentralized["accuracy"]?.last?.value.doubleValue) > 0.9)
    rows[7] = "1,oops,2"
    let bad = dir.appendingPathComponent("bad.csv")
    try rows.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
    do {
      _ = try await SimulationJob(
        options: small { $0.dataset = try! DatasetSpec(parsing: "csv:\(bad.path)", labelColumn: 0) }
      ).run()
      Issue.record("a malformed CSV must be rejected")
    } catch let e as PollenError {
      #expect(e.message.contains("line 8"), "\(e.message)")
    }
  }

  @Test("synthetic(1,1) with a million clients samples only a few")
  func millionSynthetic() async throws {
    let out = try await SimulationJob(
      options: small {
        $0.dataset = .synthetic(alpha: 1, beta: 1)
        $0.clients = 1_000_000
        $0.fractionFit = 0.00002
        $0.fractionEvaluate = 0.00002  // the default, 1.0, would evaluate every one of them
        $0.rounds = 2
      }
    ).run()
    #expect(out.history.lossesDistributed.count == 2)
    #expect(out.history.failures.isEmpty)
  }

  @Test("dataset and model specs parse, and say what is valid when they don't")
  func specs() throws {
    #expect(try DatasetSpec(parsing: "synthetic:0.5,1") == .synthetic(alpha: 0.5, beta: 1))
    #expect(try DatasetSpec(parsing: "mnist:/data") == .mnist(directory: "/data"))
    #expect(throws: PollenError.self) { try DatasetSpec(parsing: "imagenet") }
    #expect(throws: PollenError.self) { try DatasetSpec(parsing: "csv:") }
    #expect(throws: PollenError.self) { try DatasetSpec(parsing: "synthetic:x") }
    #expect(try ModelSpec(parsing: "CNN") == .cnn)
    #expect(throws: PollenError.self) { try ModelSpec(parsing: "resnet") }
    #expect(throws: PollenError.self) { try ModelSpec.cnn.make(inputShape: [30], classes: 2, seed: 0) }
    #expect(try ModelSpec.cnn.make(inputShape: [64], classes: 10, seed: 0).inputShape == [1, 8, 8])
  }

  @Test("the CNN trains on digits read as 8×8 images")
  func cnnOnDigits() async throws {
    let out = try await SimulationJob(
      options: small {
        $0.model = .cnn
        $0.clients = 10
        $0.fractionFit = 0.2
        $0.rounds = 2
        $0.localEpochs = 1
      }
    ).run()
    #expect(out.history.failures.isEmpty)
    #expect(out.parameters.tensors.first?.shape.count == 4, "a conv kernel first")
    let acc = try #require(out.history.metricsCentralized["accuracy"]).compactMap { $0.value.doubleValue }
    #expect(acc.count == 3 && acc.allSatisfy { $0.isFinite })
  }

  @Test("the simulation benchmark counts client-rounds")
  func bench() async {
    let r = await SimulationBenchmark.run(
      clients: 100, fraction: 0.1, rounds: 3, parameters: 1000, concurrency: 2)
    #expect(r.clientRounds == 30)
    #expect(r.seconds > 0)
  }

  @Test("fraction_evaluate defaults to FedAvg's 1.0, whatever the fit fraction")
  func fractionEvaluateDefaultsAsTheLibraryDoes() {
    let o = small()
    #expect(o.fractionEvaluate == nil)
    #expect(SimulationJob.Options.defaultFractionEvaluate == FedAvg().fractionEvaluate)
    #expect(FedAvg().fractionEvaluate == 1.0)
    #expect(o.settings.first { $0.key == "fraction_evaluate" }?.value == "1.0")
    #expect(
      small { $0.fractionEvaluate = 0.5 }.settings.first { $0.key == "fraction_evaluate" }?.value == "0.5")
  }
}

@Suite("pollen simulate with differential privacy")
struct SimulationPrivacyTests {
  func options(_ plan: PrivacyPlan) -> SimulationJob.Options {
    var o = SimulationJob.Options.defaults
    o.clients = 20
    o.rounds = 6
    o.fractionFit = 0.25
    o.localEpochs = 1
    o.model = .logreg
    o.partition = .iid
    o.privacy = plan
    return o
  }

  @Test("--dp central-fixed --target-delta 1e-5 records ε every round, growing")
  func epsilonEveryRound() async throws {
    var plan = PrivacyPlan(.centralFixed, options: ["noise_multiplier": "1.0", "clipping_norm": "5"])
    plan.targetDelta = 1e-5
    plan.seed = 3
    let outcome = try await SimulationJob(options: options(plan)).run()
    let epsilon = try #require(outcome.history.privacy["epsilon"]).map { $0.value.doubleValue ?? .nan }
    #expect(epsilon.count == 6)
    #expect(zip(epsilon, epsilon.dropFirst()).allSatisfy { $0 < $1 }, "\(epsilon)")
    #expect(outcome.history.stopped == nil)
    #expect(outcome.history.metricsDistributedFit["privacy.epsilon"] == nil)
  }

  @Test("--max-epsilon stops the run cleanly before the round that would exceed it")
  func budgetStops() async throws {
    var plan = PrivacyPlan(.centralFixed, options: ["noise_multiplier": "1.0", "clipping_norm": "5"])
    plan.seed = 3
    let full = try await SimulationJob(options: options(plan)).run()
    let epsilon = try #require(full.history.privacy["epsilon"]).map { $0.value.doubleValue ?? .nan }
    plan.maxEpsilon = (epsilon[2] + epsilon[3]) / 2  // room for 3 rounds, not 4
    let stopped = try await SimulationJob(options: options(plan)).run()
    #expect(stopped.history.stopped?.afterRound == 3, "\(String(describing: stopped.history.stopped))")
    #expect(stopped.history.stopped?.reason.contains("privacy budget") == true)
    #expect(stopped.history.timings.count == 3)
    #expect(stopped.history.privacy["epsilon"]?.last?.value.doubleValue ?? .infinity <= plan.maxEpsilon!)
  }

  @Test("local DP and client-side clipping run end to end")
  func clientSide() async throws {
    for plan in [
      PrivacyPlan(
        .local, options: ["clipping_norm": "5", "sensitivity": "5", "epsilon": "10", "delta": "1e-5"]),
      PrivacyPlan(.clientFixed, options: ["noise_multiplier": "0.5", "clipping_norm": "5"]),
      PrivacyPlan(.clientAdaptive, options: ["noise_multiplier": "0.1"]),
      PrivacyPlan(.centralAdaptive, options: ["noise_multiplier": "0.1"]),
    ] {
      var o = options(plan)
      o.rounds = 2
      let outcome = try await SimulationJob(options: o).run()
      #expect(outcome.history.privacy["epsilon"]?.count == 2, "\(plan.mechanism)")
      #expect(outcome.history.failures.isEmpty, "\(plan.mechanism): \(outcome.history.failures)")
    }
  }
}
