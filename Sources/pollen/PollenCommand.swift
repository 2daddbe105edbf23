import ArgumentParser
import Foundation
import PollenConfig

@main
struct PollenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pollen",
    abstract: "Pollen: federated learning in Swift that speaks Flower's protocol.",
    subcommands: [
      ServerCommand.self, ClientCommand.self, KeygenCommand.self, LoadCommand.self, SimulateCommand.self,
      ReportCommand.self,
      RunsCommand.self,
      BaselineCommand.self,
      ProfilesCommand.self,
      BenchCommand.self,
      ConfigKeysCommand.self,
      PrivacyCommand.self,
    ]
  )

  /// Expands `--config FILE.toml` (see `ConfigFileArguments`), then parses and runs as usual.
  static func main() async {
    let arguments: [String]
    do {
      arguments = try ConfigFileArguments.expand(Array(CommandLine.arguments.dropFirst()))
    } catch {
      FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
      Foundation.exit(ExitCode.validationFailure.rawValue)
    }
    await main(arguments)
  }
}
