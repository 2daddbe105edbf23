import TOMLKit

extension ConfigFile {
  /// Turns one top-level TOML value into arguments, checking its type against the schema.
  struct Translator {
    var file: String
    var key: String
    var line: Int?
    var lines: TOMLKeyLines

    func arguments(for value: any TOMLValueConvertible, entry: ConfigSchema.Entry) throws(ConfigFileError)
      -> [String]
    {
      let flag = "--\(entry.option)"
      switch entry.kind {
      case .value(let scalar):
        return ["\(flag)=\(try render(value, as: scalar, expected: Self.expected(entry.kind)))"]
      case .flag(let inversion):
        guard value.type == .bool, let on = value.bool else {
          throw wrongType(Self.expected(entry.kind), found: value)
        }
        if on { return [flag] }
        return inversion.map { ["--\($0)"] } ?? []
      case .repeated(let scalar):
        return try elements(of: value, as: scalar, kind: entry.kind).map { "\(flag)=\($0)" }
      case .commaList(let scalar):
        let items = try elements(of: value, as: scalar, kind: entry.kind)
        guard !items.isEmpty else {
          throw wrongType(Self.expected(entry.kind), found: "an empty array")
        }
        return ["\(flag)=\(items.joined(separator: ","))"]
      case .keyValueTable:
        guard value.type == .table, let table = value.table else {
          throw wrongType(Self.expected(entry.kind), found: value)
        }
        var out: [String] = []
        for (name, item) in ConfigFile.inFileOrder(table, path: [key], lines: lines) {
          guard let text = Self.plainText(item) else {
            throw ConfigFileError(
              file: file, line: lines.line(of: [key, name]),
              reason: .wrongType(
                key: "\(key).\(name)", expected: "a string, a number or a boolean", found: Self.describe(item)
              ))
          }
          out.append("\(flag)=\(name)=\(text)")
        }
        return out
      }
    }

    /// One value, or each element of an array, rendered as `scalar`.
    private func elements(
      of value: any TOMLValueConvertible, as scalar: ConfigSchema.Scalar, kind: ConfigSchema.Kind
    ) throws(ConfigFileError) -> [String] {
      guard value.type == .array, let array = value.array else {
        return [try render(value, as: scalar, expected: Self.expected(kind))]
      }
      var out: [String] = []
      for element in array {
        guard let text = Self.render(element, as: scalar) else {
          throw wrongType(Self.expected(kind), found: "an array containing \(Self.describe(element))")
        }
        out.append(text)
      }
      return out
    }

    private func render(
      _ value: any TOMLValueConvertible, as scalar: ConfigSchema.Scalar, expected: String
    ) throws(ConfigFileError) -> String {
      guard let text = Self.render(value, as: scalar) else { throw wrongType(expected, found: value) }
      return text
    }

    private func wrongType(_ expected: String, found value: any TOMLValueConvertible) -> ConfigFileError {
      wrongType(expected, found: Self.describe(value))
    }

    private func wrongType(_ expected: String, found: String) -> ConfigFileError {
      ConfigFileError(file: file, line: line, reason: .wrongType(key: key, expected: expected, found: found))
    }

    // MARK: values

    /// `value` as command-line text if it is a `scalar` (an integer is also a double).
    static func render(_ value: any TOMLValueConvertible, as scalar: ConfigSchema.Scalar) -> String? {
      switch (scalar, value.type) {
      case (.int, .int), (.double, .int): return value.int.map { String($0) }
      case (.double, .double): return value.double.map { String($0) }
      case (.string, .string): return value.string
      case (.bool, .bool): return value.bool.map { String($0) }
      default: return nil
      }
    }

    /// A string, number or boolean as command-line text; nil for other values.
    static func plainText(_ value: any TOMLValueConvertible) -> String? {
      switch value.type {
      case .string: return value.string
      case .int: return value.int.map { String($0) }
      case .double: return value.double.map { String($0) }
      case .bool: return value.bool.map { String($0) }
      default: return nil
      }
    }

    /// "an integer", "a string", … for the type of `value`.
    static func describe(_ value: any TOMLValueConvertible) -> String {
      switch value.type {
      case .int: return "an integer"
      case .double: return "a floating-point number"
      case .string: return "a string"
      case .bool: return "a boolean"
      case .array: return "an array"
      case .table: return "a table"
      case .date: return "a date"
      case .time: return "a time"
      case .dateTime: return "a date-time"
      }
    }

    /// What a value of `kind` must be, as a message says it.
    static func expected(_ kind: ConfigSchema.Kind) -> String {
      switch kind {
      case .value(let scalar): return singular(scalar)
      case .flag: return "a boolean (true or false)"
      case .repeated(let scalar), .commaList(let scalar):
        return "\(singular(scalar)) or an array of \(plural(scalar))"
      case .keyValueTable: return "a table of key = value"
      }
    }

    private static func singular(_ scalar: ConfigSchema.Scalar) -> String {
      switch scalar {
      case .int: return "an integer"
      case .double: return "a number"
      case .string: return "a string"
      case .bool: return "a boolean (true or false)"
      }
    }

    private static func plural(_ scalar: ConfigSchema.Scalar) -> String {
      switch scalar {
      case .int: return "integers"
      case .double: return "numbers"
      case .string: return "strings"
      case .bool: return "booleans"
      }
    }
  }
}
