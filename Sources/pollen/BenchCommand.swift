import ArgumentParser
import Foundation
import PollenNN
import PollenRecipes
import PollenSimulation

struct BenchCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Benchmarks that print numbers (compare with Benchmarks/*.sh).",
    subcommands: [SimulateBench.self, MatMulBench.self, AggregateBench.self, BenchSecAggCommand.self])
}

struct SimulateBench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "simulate", abstract: "Client-rounds per second of the simulation engine (trivial clients).")

  @Option var clients = 1000
  @Option var fraction = 0.1
  @Option var rounds = 10
  @Option(help: "Model size in float32 parameters.") var parameters = 10_000
  @Option var concurrency = SimulationConfig.defaultConcurrency
  @Flag(help: "Also send every tensor through the .npy codec.") var serialize = false
  @Option(name: .customLong("repeat"), help: "Repetitions; the best is reported.") var repetitions = 3
  @Option(help: "Also run with client profiles (figure5 | CSV file) and print the real-time ratio.")
  var profiles: String?

  func run() async throws {
    _ = CLILogging.logger("pollen.bench")
    let plain = await best { await bench(profiles: nil) }
    report(plain, label: "")
    if let profiles {
      let loaded =
        profiles == "figure5" ? ClientProfiles.figure5(seed: 1) : try ClientProfiles(contentsOfFile: profiles)
      let timed = await best { await bench(profiles: loaded) }
      report(timed, label: " profiles=\(profiles)")
      print(String(format: "real time with profiles / without: %.3f", timed.seconds / plain.seconds))
    }
  }

  private func bench(profiles: ClientProfiles?) async -> SimulationBenchmark.Result {
    await SimulationBenchmark.run(
      clients: clients, fraction: fraction, rounds: rounds, parameters: parameters, concurrency: concurrency,
      serialize: serialize, profiles: profiles)
  }

  private func best(_ body: () async -> SimulationBenchmark.Result) async -> SimulationBenchmark.Result {
    var best: SimulationBenchmark.Result?
    for _ in 0..<max(repetitions, 1) {
      let r = await body()
      if best == nil || r.seconds < best!.seconds { best = r }
    }
    return best!
  }

  private func report(_ r: SimulationBenchmark.Result, label: String) {
    print(
      String(
        format:
          "pollen simulate bench: clients=%d fraction=%.4g rounds=%d parameters=%d serialize=%@%@ -> %d client-rounds in %.3f s = %.1f client-rounds/s",
        clients, fraction, rounds, parameters, serialize ? "yes" : "no", label, r.clientRounds, r.seconds,
        r.clientRoundsPerSecond))
  }
}

struct MatMulBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "matmul",
    abstract: "GFLOP/s of PollenNN's float32 matrix multiply (compare: Benchmarks/matmul_numpy.py).")

  @Option var repetitions = 5
  @Option(help: "Shapes as MxKxN or N (default: the squares and the models' shapes).") var shape: [String] =
    []
  @Option(help: "At most this many threads (default: all cores).") var threads: Int?

  func run() throws {
    let shapes = shape.isEmpty ? MatMulBenchmark.defaultShapes : shape.compactMap(MatMulShape.init)
    for r in MatMulBenchmark.run(shapes: shapes, repetitions: repetitions, threads: threads) {
      print(String(format: "pollen matmul %dx%dx%d: %.2f GFLOP/s", r.shape.m, r.shape.k, r.shape.n, r.gflops))
    }
  }
}

struct AggregateBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "aggregate",
    abstract: "GB/s of the FedAvg kernel over K float32 updates (compare: Benchmarks/compare_aggregate.sh).")

  @Option(help: "Updates folded into the running sum (K).") var clients = 10
  @Option(help: "Float32 parameters per update (P).") var params = 1_000_000
  @Option(help: "Layers each update is split into.") var layers = 1
  @Option(name: .customLong("repeat"), help: "Repetitions; the best is reported.") var repetitions = 5

  func validate() throws {
    guard clients > 0, params > 0, layers > 0 else {
      throw ValidationError("--clients, --params and --layers must be positive")
    }
  }

  func run() throws {
    let r = AggregationBenchmark.run(
      clients: clients, parameters: params, layers: layers, repetitions: repetitions)
    print(
      String(
        format: "pollen aggregate bench: clients=%d params=%d layers=%d -> %.6f s = %.2f GB/s", r.clients,
        r.parameters, r.layers, r.seconds, r.gigabytesPerSecond))
  }
}
