import ArgumentParser

@main
struct PollenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pollen",
    abstract: "Pollen: federated learning in Swift that speaks Flower's protocol.",
    subcommands: [
      ServerCommand.self, ClientCommand.self, SimulateCommand.self, ReportCommand.self, BaselineCommand.self,
      ProfilesCommand.self,
      BenchCommand.self,
    ]
  )
}
