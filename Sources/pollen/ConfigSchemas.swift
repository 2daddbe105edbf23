import ArgumentParser
import Foundation
import PollenConfig

/// The configuration-file schema of each command that takes `--config`, derived from the
/// command's own declarations so that it cannot drift from them: ArgumentParser's description
/// of the command (`_dumpHelp()`, the JSON of `--experimental-dump-help`) gives every option's
/// names and whether it repeats or is a flag; a `Mirror` over the command's property wrappers
/// (`Option<Int>`, `Option<Double?>`, `Flag<Bool>`, …) gives each value's type.
enum ConfigSchemas {
  /// The subcommands whose `--config` the entry point expands, by name.
  static let commands: [String: any ParsableCommand.Type] = [
    "server": ServerCommand.self, "simulate": SimulateCommand.self,
  ]

  /// Options whose file form says more than their Swift type: applied where the command has
  /// the option.
  static let overrides: [ConfigSchema.Entry] = [
    .init(option: "strategy-option", kind: .keyValueTable, keys: ["strategy-options", "strategy-option"]),
    .init(option: "round-timeout", kind: .commaList(.double)),
    .init(option: "dp-option", kind: .keyValueTable, keys: ["dp-options", "dp-option"]),
    .init(option: "secagg-option", kind: .keyValueTable, keys: ["secagg-options", "secagg-option"]),
  ]

  /// Options a file cannot set.
  static let excluded: Set<String> = ["config", "help", "version", "experimental-dump-help"]

  /// The schema of `command`.
  static func schema(for command: any ParsableCommand.Type) -> ConfigSchema {
    var schema = ConfigSchema(derivedEntries(for: command))
    for entry in overrides where schema.entry(forOption: entry.option) != nil { schema.set(entry) }
    return schema
  }

  /// Every long option of `command` (but `excluded`), as ArgumentParser describes it.
  static func declaredOptions(of command: any ParsableCommand.Type) -> [DumpedArgument] {
    guard let data = command._dumpHelp().data(using: .utf8),
      let dump = try? JSONDecoder().decode(DumpedHelp.self, from: data)
    else { return [] }
    return (dump.command.arguments ?? []).filter { argument in
      argument.kind != "positional" && !argument.longNames.isEmpty
        && argument.longNames.allSatisfy { !excluded.contains($0) }
    }
  }

  /// The entries of the options of `command` whose type a file can express.
  private static func derivedEntries(for command: any ParsableCommand.Type) -> [ConfigSchema.Entry] {
    let arguments = declaredOptions(of: command)
    let properties = Property.all(of: command).filter { !excluded.contains($0.name) }
    var matched = [[DumpedArgument]](repeating: [], count: properties.count)
    var unmatched: [DumpedArgument] = []
    for argument in arguments {
      if let index = properties.firstIndex(where: { $0.matches(argument) }) {
        matched[index].append(argument)
      } else {
        unmatched.append(argument)
      }
    }
    // Options with a custom name (`--strategy-option` of `strategyOptions`): by declaration
    // order, which ArgumentParser keeps too.
    for index in properties.indices where matched[index].isEmpty && !unmatched.isEmpty {
      matched[index].append(unmatched.removeFirst())
    }
    return zip(properties, matched).compactMap { property, arguments in property.entry(arguments) }
  }
}

extension ConfigSchemas {
  /// The part of ArgumentParser's ToolInfo JSON the schema needs.
  struct DumpedHelp: Decodable {
    struct Command: Decodable { var arguments: [DumpedArgument]? }
    var command: Command
  }

  /// One argument of the ToolInfo JSON.
  struct DumpedArgument: Decodable {
    struct Name: Decodable {
      var kind: String
      var name: String
    }
    var kind: String
    var isRepeating: Bool
    var names: [Name]?

    /// Its long names, without dashes.
    var longNames: [String] { (names ?? []).filter { $0.kind != "short" }.map(\.name) }
  }

  /// One option property of a command (or of one of its option groups).
  struct Property {
    /// The property's name as ArgumentParser spells its default long name (`min-clients`).
    var name: String
    /// The wrapped value's type (`Int`, `Optional<Double>`, `Array<String>`, …).
    var valueType: Any.Type
    /// Whether it is a `@Flag`.
    var isFlag: Bool

    /// The option properties of `type`, in declaration order, option groups flattened.
    static func all(of type: any ParsableArguments.Type) -> [Property] {
      Mirror(reflecting: type.init()).children.flatMap { child -> [Property] in
        let wrapper = Swift.type(of: child.value)
        if let group = wrapper as? any ConfigSchemaGroup.Type { return all(of: group.groupType) }
        guard let leaf = wrapper as? any ConfigSchemaLeaf.Type, var label = child.label else { return [] }
        if label.hasPrefix("_") { label.removeFirst() }
        return [Property(name: kebabCase(label), valueType: leaf.valueType, isFlag: leaf.isFlag)]
      }
    }

    /// Whether `argument` is this property's (its own name, or `no-`/`enable-`/`disable-` it).
    func matches(_ argument: DumpedArgument) -> Bool {
      argument.longNames.contains { [name, "no-\(name)", "enable-\(name)", "disable-\(name)"].contains($0) }
    }

    /// The schema entry for this property's `arguments` (two for a flag with an inverse), or nil
    /// when a file cannot set it.
    func entry(_ arguments: [DumpedArgument]) -> ConfigSchema.Entry? {
      guard let first = arguments.first else { return nil }
      if isFlag {
        guard valueType == Bool.self else { return nil }
        let isInverse = { (a: DumpedArgument) in
          a.longNames.contains { $0.hasPrefix("no-") || $0.hasPrefix("disable-") }
        }
        let on = arguments.first { !isInverse($0) } ?? first
        let off = arguments.count > 1 ? arguments.first(where: isInverse)?.longNames.first : nil
        guard let option = on.longNames.first else { return nil }
        return .init(option: option, kind: .flag(inversion: off))
      }
      guard let option = first.longNames.first else { return nil }
      var type = valueType
      if let optional = type as? any ConfigSchemaOptional.Type { type = optional.wrappedType }
      if let array = type as? any ConfigSchemaArray.Type {
        return .init(option: option, kind: .repeated(Self.scalar(array.elementType)))
      }
      return .init(
        option: option, kind: first.isRepeating ? .repeated(Self.scalar(type)) : .value(Self.scalar(type)))
    }

    private static func scalar(_ type: Any.Type) -> ConfigSchema.Scalar {
      if type is any BinaryInteger.Type { return .int }
      if type is any BinaryFloatingPoint.Type { return .double }
      if type == Bool.self { return .bool }
      return .string
    }

    /// ArgumentParser's default long name for a property (`minClients` → `min-clients`,
    /// `myURLPath` → `my-url-path`).
    static func kebabCase(_ name: String) -> String {
      var result = ""
      var separateOnUppercase = true
      let characters = Array(name)
      for (index, character) in characters.enumerated() {
        if character.isUppercase {
          if separateOnUppercase && !result.isEmpty { result += "-" }
          separateOnUppercase =
            index + 2 < characters.count && characters[index + 1].isUppercase
            && characters[index + 2].isLowercase
        } else {
          separateOnUppercase = character != "-"
        }
        result += character.lowercased()
      }
      return result
    }
  }
}

/// A property wrapper for one option (`@Option`, `@Flag`): its wrapped value's type.
private protocol ConfigSchemaLeaf {
  static var valueType: Any.Type { get }
  static var isFlag: Bool { get }
}

extension Option: ConfigSchemaLeaf {
  fileprivate static var valueType: Any.Type { Value.self }
  fileprivate static var isFlag: Bool { false }
}

extension Flag: ConfigSchemaLeaf {
  fileprivate static var valueType: Any.Type { Value.self }
  fileprivate static var isFlag: Bool { true }
}

/// `@OptionGroup`: the group's type, whose options are the command's too.
private protocol ConfigSchemaGroup {
  static var groupType: any ParsableArguments.Type { get }
}

extension OptionGroup: ConfigSchemaGroup {
  fileprivate static var groupType: any ParsableArguments.Type { Value.self }
}

private protocol ConfigSchemaOptional { static var wrappedType: Any.Type { get } }

extension Optional: ConfigSchemaOptional {
  fileprivate static var wrappedType: Any.Type { Wrapped.self }
}

private protocol ConfigSchemaArray { static var elementType: Any.Type { get } }

extension Array: ConfigSchemaArray {
  fileprivate static var elementType: Any.Type { Element.self }
}
