import ArgumentParser
import PollenSimulation

/// `pollen profiles`: prints the Flower paper's Figure 5 client profile table as CSV, to edit and
/// pass back with `pollen simulate --profiles FILE`.
struct ProfilesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profiles",
    abstract: "Print the Figure 5 client profiles (40 countries) as CSV.",
    discussion: """
      Columns: client,examples_per_s,down_mbps,up_mbps,availability. Profiles/figure5.csv in the \
      repository is this output for seed 0.
      """)

  @Option(help: "Seed of the per-country spread.") var seed: UInt64 = 0
  @Option(help: "Training speed of every client, in examples per second.") var examplesPerSecond = 200.0

  func run() throws {
    print(ClientProfiles.figure5(seed: seed, examplesPerSecond: examplesPerSecond).csv, terminator: "")
  }
}
