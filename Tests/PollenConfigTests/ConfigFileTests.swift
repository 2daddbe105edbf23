import PollenConfig
import Testing

/// A schema with one option of every kind.
let schema = ConfigSchema([
  .init(option: "rounds", kind: .value(.int)),
  .init(option: "fraction-fit", kind: .value(.double)),
  .init(option: "address", kind: .value(.string)),
  .init(option: "verbose", kind: .value(.bool)),
  .init(option: "resume", kind: .flag()),
  .init(option: "serialize", kind: .flag(inversion: "no-serialize")),
  .init(option: "tag", kind: .repeated(.string)),
  .init(option: "round-timeout", kind: .commaList(.double)),
  .init(option: "strategy-option", kind: .keyValueTable, keys: ["strategy-options", "strategy-option"]),
])

func translate(_ text: String) throws -> [String] {
  try ConfigFile.arguments(fromTOML: text, file: "f.toml", schema: schema)
}

/// The one-line description of the error translating `text` throws.
func failure(_ text: String) -> String? {
  do {
    _ = try ConfigFile.arguments(fromTOML: text, file: "f.toml", schema: schema)
    return nil
  } catch {
    return error.description
  }
}

@Suite struct ConfigFileTranslationTests {
  @Test func scalarsBecomeOptionsInFileOrder() throws {
    let args = try translate(
      """
      rounds = 8
      address = "127.0.0.1:8080"   # a comment
      fraction-fit = 0.25
      verbose = false
      """)
    #expect(args == ["--rounds=8", "--address=127.0.0.1:8080", "--fraction-fit=0.25", "--verbose=false"])
  }

  @Test func anIntegerIsAcceptedWhereADoubleIsExpected() throws {
    #expect(try translate("fraction-fit = 1") == ["--fraction-fit=1"])
    #expect(try translate("fraction-fit = 1e-5") == ["--fraction-fit=1e-05"])
  }

  @Test func negativeValuesStayValues() throws {
    #expect(try translate("rounds = -1") == ["--rounds=-1"])
    #expect(try translate("address = \"-x\"") == ["--address=-x"])
  }

  @Test func integersInOtherBasesAreWrittenInDecimal() throws {
    #expect(try translate("rounds = 0x10") == ["--rounds=16"])
    #expect(try translate("rounds = 1_000") == ["--rounds=1000"])
  }

  @Test func flagsAreOnOrOff() throws {
    #expect(try translate("resume = true") == ["--resume"])
    #expect(try translate("resume = false") == [])
    #expect(try translate("serialize = false") == ["--no-serialize"])
    #expect(try translate("serialize = true") == ["--serialize"])
  }

  @Test func repeatedOptionsTakeAnArrayOrOneValue() throws {
    #expect(try translate(#"tag = ["a", "b"]"#) == ["--tag=a", "--tag=b"])
    #expect(try translate(#"tag = "a""#) == ["--tag=a"])
    #expect(try translate("tag = []") == [])
  }

  @Test func commaListsJoinAnArray() throws {
    #expect(try translate("round-timeout = [20, 40.5, 60]") == ["--round-timeout=20,40.5,60"])
    #expect(try translate("round-timeout = 30") == ["--round-timeout=30"])
    #expect(try translate("round-timeout = [\n  20,  # first\n  40,\n]") == ["--round-timeout=20,40"])
  }

  @Test func tablesBecomeKeyValueOptions() throws {
    let args = try translate(
      """
      rounds = 2

      [strategy-options]
      eta = 0.1
      name = "x=y"
      server_momentum = 0
      adaptive = true
      """)
    #expect(
      args == [
        "--rounds=2", "--strategy-option=eta=0.1", "--strategy-option=name=x=y",
        "--strategy-option=server_momentum=0", "--strategy-option=adaptive=true",
      ])
  }

  @Test func inlineAndDottedTablesWork() throws {
    #expect(try translate("strategy-options = { eta = 0.5 }") == ["--strategy-option=eta=0.5"])
    #expect(try translate("strategy_options.eta = 0.5") == ["--strategy-option=eta=0.5"])
    #expect(try translate("[strategy-option]\neta = 2") == ["--strategy-option=eta=2"])
  }

  @Test func snakeCaseKeysNameKebabCaseOptions() throws {
    #expect(
      try translate("fraction_fit = 0.5\nround_timeout = [1, 2]") == [
        "--fraction-fit=0.5", "--round-timeout=1,2",
      ])
  }

  @Test func anEmptyFileMeansNoArguments() throws {
    #expect(try translate("") == [])
    #expect(try translate("# only a comment\n\n") == [])
  }
}

@Suite struct ConfigFileErrorTests {
  @Test func anUnknownKeyIsNamedWithItsLineAndTheKnownKeys() {
    let message = failure("rounds = 2\n\n# note\nfoo = 1\n")
    #expect(
      message
        == "f.toml:4: unknown key \"foo\" (known: address, fraction-fit, resume, round-timeout, rounds, "
        + "serialize, strategy-options, tag, verbose)")
  }

  @Test func anUnknownTableIsNamedWithItsHeaderLine() {
    #expect(failure("rounds = 2\n[server]\nx = 1")?.hasPrefix("f.toml:2: unknown key \"server\"") == true)
  }

  @Test func aWrongTypeIsNamedWithItsLine() {
    #expect(
      failure("address = \"a:1\"\nrounds = \"8\"")
        == "f.toml:2: \"rounds\" must be an integer, found a string")
    #expect(
      failure("rounds = 2.5") == "f.toml:1: \"rounds\" must be an integer, found a floating-point number")
    #expect(failure("fraction-fit = true") == "f.toml:1: \"fraction-fit\" must be a number, found a boolean")
    #expect(failure("address = 8080") == "f.toml:1: \"address\" must be a string, found an integer")
    #expect(
      failure("resume = 1") == "f.toml:1: \"resume\" must be a boolean (true or false), found an integer")
    #expect(failure("\n[rounds]\nx = 1") == "f.toml:2: \"rounds\" must be an integer, found a table")
  }

  @Test func aWrongTypeNamesTheKeyAsWritten() {
    #expect(failure("fraction_fit = \"x\"") == "f.toml:1: \"fraction_fit\" must be a number, found a string")
  }

  @Test func aWrongElementIsNamed() {
    #expect(
      failure("\nround-timeout = [20, \"x\"]")
        == "f.toml:2: \"round-timeout\" must be a number or an array of numbers, "
        + "found an array containing a string")
    #expect(
      failure("round-timeout = []")
        == "f.toml:1: \"round-timeout\" must be a number or an array of numbers, found an empty array")
    #expect(
      failure("tag = [1]")
        == "f.toml:1: \"tag\" must be a string or an array of strings, found an array containing an integer")
  }

  @Test func aTableValueOfTheWrongTypeIsNamedWithItsLine() {
    #expect(
      failure("[strategy-options]\neta = 0.1\nmu = [1, 2]")
        == "f.toml:3: \"strategy-options.mu\" must be a string, a number or a boolean, found an array")
    #expect(
      failure("strategy-options = 3")
        == "f.toml:1: \"strategy-options\" must be a table of key = value, found an integer")
  }

  @Test func twoSpellingsOfOneOptionAreAnError() {
    #expect(
      failure("round_timeout = 1\nround-timeout = 2")
        == "f.toml:2: \"round-timeout\" is set twice (first on line 1)")
  }

  @Test func aSyntaxErrorHasTOMLKitsLineAndColumn() throws {
    let message = try #require(failure("rounds = 2\naddress = \"unterminated\n"))
    #expect(message.hasPrefix("f.toml:2:"))
    #expect(message.contains("TOML syntax error"))
    #expect(!message.contains("\n"))
  }

  @Test func theErrorCarriesItsParts() throws {
    do {
      _ = try ConfigFile.arguments(fromTOML: "\nbogus = 1", file: "x.toml", schema: schema)
      Issue.record("no error")
    } catch {
      #expect(error.file == "x.toml")
      #expect(error.line == 2)
      guard case .unknownKey("bogus", let known) = error.reason else {
        Issue.record("wrong reason \(error.reason)")
        return
      }
      #expect(known.contains("rounds"))
    }
  }
}

@Suite struct ConfigSchemaTests {
  @Test func keysMatchWithDashesOrUnderscores() {
    #expect(schema.entry(forKey: "round_timeout")?.option == "round-timeout")
    #expect(schema.entry(forKey: "strategy_options")?.option == "strategy-option")
    #expect(schema.entry(forKey: "nope") == nil)
  }

  @Test func aLaterEntryReplacesAnEarlierOne() {
    var s = ConfigSchema([.init(option: "round-timeout", kind: .value(.double))])
    s.set(.init(option: "round-timeout", kind: .commaList(.double)))
    #expect(s.entries.count == 1)
    #expect(s.entry(forOption: "round-timeout")?.kind == .commaList(.double))
  }
}
