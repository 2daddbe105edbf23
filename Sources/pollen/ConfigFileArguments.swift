import Foundation
import PollenConfig

/// Expands `--config FILE.toml` of `pollen server` and `pollen simulate` before ArgumentParser
/// parses: the file's settings, translated by `ConfigFile` with the command's schema, are
/// inserted right after the subcommand's name, so every option given on the command line comes
/// later and wins (ArgumentParser keeps the last value of a single-value option; for repeated
/// `key=value` options a later key replaces an earlier one).
enum ConfigFileArguments {
  /// `arguments` (without the program's name) with the settings of each `--config FILE` (or
  /// `--config=FILE`) inserted after the subcommand; several files apply in order.
  /// Other subcommands, and arguments without `--config`, come back unchanged.
  /// - Throws: `ConfigFileError` for a file that cannot be read or translated.
  static func expand(
    _ arguments: [String], read: (String) throws -> String = readConfigFile
  ) throws -> [String] {
    guard let name = arguments.first, let command = ConfigSchemas.commands[name] else { return arguments }
    let rest = Array(arguments.dropFirst())
    let files = configFiles(in: rest)
    guard !files.isEmpty else { return arguments }
    let schema = ConfigSchemas.schema(for: command)
    var inserted: [String] = []
    for file in files {
      let text: String
      do {
        text = try read(file)
      } catch {
        throw ConfigFileError(file: file, line: nil, reason: .unreadable("\(error.localizedDescription)"))
      }
      inserted += try ConfigFile.arguments(fromTOML: text, file: file, schema: schema)
    }
    return [name] + inserted + rest
  }

  /// The values of `--config` in `arguments`, up to a `--` terminator.
  static func configFiles(in arguments: [String]) -> [String] {
    var files: [String] = []
    var index = 0
    while index < arguments.count, arguments[index] != "--" {
      let argument = arguments[index]
      if argument == "--config", index + 1 < arguments.count {
        files.append(arguments[index + 1])
        index += 2
        continue
      }
      if argument.hasPrefix("--config=") { files.append(String(argument.dropFirst("--config=".count))) }
      index += 1
    }
    return files
  }

  /// The text of the file at `path`.
  static func readConfigFile(_ path: String) throws -> String {
    try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
  }
}
