import PollenCore
import PollenServer
import PollenSimulation
import Testing

@Suite("poisoning attacks and stragglers")
struct AttackTests {
  let global = [
    NDArray(doubles: [1, 2, 3, 4], dtype: .float32, shape: [2, 2]),
    NDArray(doubles: [5], dtype: .float64, shape: [1]),
  ]
  let trained = [
    NDArray(doubles: [2, 2, 1, 4], dtype: .float32, shape: [2, 2]),
    NDArray(doubles: [6], dtype: .float64, shape: [1]),
  ]

  @Test("parsing: sign-flip, sign-flip:K, scale:K, noise:σ; bad forms name the valid ones")
  func parsing() throws {
    #expect(try Attack(parsing: "sign-flip") == .signFlip(scale: Attack.defaultSignFlipScale))
    #expect(try Attack(parsing: "sign-flip:1") == .signFlip(scale: 1))
    #expect(try Attack(parsing: "scale:5") == .scale(5))
    #expect(try Attack(parsing: "noise:0.5") == .noise(sigma: 0.5))
    #expect(Attack.signFlip(scale: 10).description == "sign-flip")
    for bad in ["flip", "scale", "scale:x", "noise:-1", "noise:nan"] {
      #expect(throws: PollenError.self, "\(bad)") { try Attack(parsing: bad) }
    }
    do {
      _ = try Attack(parsing: "flip")
    } catch let error as PollenError {
      #expect(error.message.contains("sign-flip[:K], scale:K, noise:σ"))
    }
  }

  @Test("sign-flip sends w − K·Δ and scale sends w + K·Δ, in the tensors' dtype and shape")
  func signFlipAndScale() throws {
    let flipped = try Attack.signFlip(scale: 2).poison(trained: trained, global: global, seed: 0)
    #expect(flipped[0].doubles() == [-1, 2, 7, 4])
    #expect(flipped[0].dtype == .float32 && flipped[0].shape == [2, 2])
    #expect(flipped[1].doubles() == [3])
    #expect(flipped[1].dtype == .float64)
    let scaled = try Attack.scale(3).poison(trained: trained, global: global, seed: 0)
    #expect(scaled[0].doubles() == [4, 2, -3, 4])
    #expect(scaled[1].doubles() == [8])
  }

  @Test("noise adds seeded Gaussian noise of the given σ to the trained values")
  func noise() throws {
    let big = [NDArray(doubles: [Double](repeating: 0, count: 20_000), dtype: .float32, shape: [20_000])]
    let a = try Attack.noise(sigma: 2).poison(trained: big, global: big, seed: 7)[0].doubles()
    let b = try Attack.noise(sigma: 2).poison(trained: big, global: big, seed: 7)[0].doubles()
    #expect(a == b)
    let mean = a.reduce(0, +) / Double(a.count)
    let sd = (a.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(a.count)).squareRoot()
    #expect(abs(mean) < 0.1 && abs(sd - 2) < 0.1, "mean \(mean), sd \(sd)")
  }

  @Test("mismatched layouts are an error, not a crash")
  func mismatch() {
    #expect(throws: PollenError.self) {
      try Attack.scale(2).poison(trained: trained, global: [global[0]], seed: 0)
    }
    #expect(throws: PollenError.self) {
      try Attack.scale(2).poison(trained: [trained[1], trained[0]], global: global, seed: 0)
    }
  }

  @Test("attackers: round(fraction × N) distinct seeded ids; only they are wrapped")
  func attackerChoice() async throws {
    let a = try Attackers(fraction: 0.2, attack: .scale(2), numClients: 100, seed: 1)
    #expect(a.ids.count == 20 && a.ids.allSatisfy { (0..<100).contains($0) })
    #expect(try Attackers(fraction: 0.2, attack: .scale(2), numClients: 100, seed: 1).ids == a.ids)
    #expect(try Attackers(fraction: 0.2, attack: .scale(2), numClients: 100, seed: 2).ids != a.ids)
    #expect(try Attackers(fraction: 0, attack: .scale(2), numClients: 100, seed: 1).ids.isEmpty)
    #expect(throws: PollenError.self) {
      try Attackers(fraction: 1.5, attack: .scale(2), numClients: 10, seed: 1)
    }

    let honest = ShiftClient(shift: 1)
    let attacker = try #require(a.ids.first)
    let honestID = try #require((0..<100).first { !a.contains($0) })
    let ins = FitIns(parameters: Parameters(tensors: global), config: ["server_round": .int(1)])
    let poisoned = try await a.wrap(honest, id: attacker).fit(ins)
    let clean = try await a.wrap(honest, id: honestID).fit(ins)
    #expect(clean.parameters.tensors[0].doubles() == [2, 3, 4, 5])
    #expect(poisoned.parameters.tensors[0].doubles() == [3, 4, 5, 6], "w + 2·Δ with Δ = 1")
    #expect(poisoned.numExamples == clean.numExamples)
  }

  @Test("stragglers: about the given share of fit calls run fewer epochs, or fail with .drop")
  func stragglers() async throws {
    let partial = try Stragglers(fraction: 0.5, mode: .partialWork, seed: 3)
    let drop = try Stragglers(fraction: 0.5, mode: .drop, seed: 3)
    var fewer = 0
    var dropped = 0
    for id in 0..<200 {
      let ins = FitIns(
        parameters: Parameters(tensors: global), config: ["server_round": .int(2), "local_epochs": .int(5)])
      let res = try await partial.wrap(EpochEcho(), id: id).fit(ins)
      let epochs = try #require(res.metrics["epochs"]?.intValue)
      #expect((1...5).contains(epochs))
      if epochs < 5 { fewer += 1 }
      do {
        _ = try await drop.wrap(EpochEcho(), id: id).fit(ins)
      } catch let error as PollenError {
        #expect(error.message.contains("straggled"))
        dropped += 1
      }
    }
    #expect((70...130).contains(fewer), "\(fewer) of 200 straggled")
    #expect(dropped == fewer, "the same seed picks the same stragglers in both modes")
    #expect(throws: PollenError.self) { try Stragglers(fraction: -0.1) }
  }
}

/// Returns the parameters plus `shift`, with 10 examples.
private struct ShiftClient: Client {
  let shift: Double
  func fit(_ ins: FitIns) async throws -> FitRes {
    FitRes(
      parameters: Parameters(
        tensors: ins.parameters.tensors.map {
          NDArray(doubles: $0.doubles().map { $0 + shift }, dtype: $0.dtype, shape: $0.shape)
        }),
      numExamples: 10)
  }
}

/// Reports the `local_epochs` it was asked for as metric `epochs`.
private struct EpochEcho: Client {
  func fit(_ ins: FitIns) async throws -> FitRes {
    FitRes(
      parameters: ins.parameters, numExamples: 1,
      metrics: ["epochs": .int(Int64(ins.config["local_epochs"]?.intValue ?? 0))])
  }
}
