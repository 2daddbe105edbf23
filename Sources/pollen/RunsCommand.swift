import ArgumentParser
import Foundation
import PollenStore

/// `pollen runs show PATH.db`: what a run store holds.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs", abstract: "Inspect run stores written with --state.", subcommands: [Show.self])

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print a run store's settings, rounds done and last metrics (read-only).")

    @Argument(help: "The run store.") var path: String

    func run() throws {
      let s = try RunStore.inspect(at: path)
      let total = s.settings["rounds"] ?? "?"
      let status =
        s.finishedRounds.map { "finished (\($0) rounds)" }
        ?? "resumable: \(max(s.roundsDone, 0)) of \(total) rounds done"
      print("run store \(path): pollen \(s.kind), started \(s.createdAt), \(status)")
      print("settings:")
      for e in s.settings.entries { print("  \(e.name) = \(e.value)") }
      guard let c = s.checkpoint else {
        print("no round saved yet")
        return
      }
      let h = c.history
      print("last completed round: \(c.round)")
      print(
        "parameters: \(c.parameters.tensors.count) arrays, \(c.parameters.tensors.reduce(0) { $0 + $1.count }) values"
      )
      if !c.strategyState.isEmpty {
        print(
          "strategy state: \((c.strategyState.arrays.keys.sorted() + c.strategyState.scalars.keys.sorted()).joined(separator: ", "))"
        )
      }
      var last: [String] = []
      if let l = h.lossesDistributed.last { last.append("distributed loss \(l.loss) (round \(l.round))") }
      if let l = h.lossesCentralized.last { last.append("centralised loss \(l.loss) (round \(l.round))") }
      for (series, metrics) in [
        ("fit", h.metricsDistributedFit), ("distributed", h.metricsDistributed),
        ("centralised", h.metricsCentralized),
      ] {
        for name in metrics.keys.sorted() {
          if let v = metrics[name]?.last { last.append("\(series) \(name) \(v.value) (round \(v.round))") }
        }
      }
      if let t = h.timings.last {
        last.append(
          "round \(t.round) took \(String(format: "%.3f", t.roundSeconds)) s (fit \(String(format: "%.3f", t.fitSeconds)) s)"
        )
      }
      last.append("client failures: \(h.failures.count)")
      print("last metrics:")
      for line in last { print("  \(line)") }
    }
  }
}
