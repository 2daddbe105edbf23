import ArgumentParser
import Foundation
import PollenConfig

/// `pollen config-keys COMMAND`: the keys a `--config` file of `server` or `simulate` accepts.
struct ConfigKeysCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "config-keys",
    abstract: "List the keys a --config TOML file of server or simulate accepts, with their types.")

  @Argument(help: "server | simulate") var command: String

  @Flag(help: "One tab-separated line per option: option, keys (comma-separated), kind.") var plain = false

  func validate() throws {
    guard ConfigSchemas.commands[command] != nil else {
      throw ValidationError(
        "config-keys knows \(ConfigSchemas.commands.keys.sorted().joined(separator: " and "))")
    }
  }

  func run() throws {
    guard let type = ConfigSchemas.commands[command] else { return }
    for entry in ConfigSchemas.schema(for: type).entries {
      if plain {
        print("\(entry.option)\t\(entry.keys.joined(separator: ","))\t\(Self.describe(entry.kind))")
      } else {
        let key = entry.keys.first ?? entry.option
        let column = key.padding(toLength: max(24, key.count + 1), withPad: " ", startingAt: 0)
        print("\(column)\(Self.describe(entry.kind))")
      }
    }
  }

  /// `int`, `flag`, `flag(no-resume)`, `repeated(string)`, `comma-list(double)`, `table`.
  static func describe(_ kind: ConfigSchema.Kind) -> String {
    switch kind {
    case .value(let scalar): return scalar.rawValue
    case .flag(let inversion): return inversion.map { "flag(\($0))" } ?? "flag"
    case .repeated(let scalar): return "repeated(\(scalar.rawValue))"
    case .commaList(let scalar): return "comma-list(\(scalar.rawValue))"
    case .keyValueTable: return "table"
    }
  }
}
