import Foundation
import PollenConfig
import Testing

/// TOMLKit's toml++ aborted the process on a table header that does not start with a key
/// (found by `Fuzz/Sources/FuzzConfig`); such files are now a syntax error with a line.
@Suite struct TOMLPreCheckTests {
  @Test(arguments: [
    "[\u{FFFD}\u{FFFD}teg[strategy-opg[s",  // the fuzzer's input, as valid UTF-8
    "rounds = 1\n\n[ =]\n",
    "[[ ,x]]\n",
    "# comment\n[\t!]\n",
    "tag = [\"a\", }}}\n",  // a value missing: toml++'s parse_value asserted
    "tag = [}\n",
    "strategy-option = { a = }\n",
    "tag = [\"a\"}\n",  // closes the other kind of bracket
  ])
  func aHeaderWithoutAKeyIsASyntaxErrorNotACrash(text: String) {
    let message = failure(text)
    #expect(
      message?.contains("a table header must start with a key, and a value must follow") == true,
      "\(message ?? "nil")")
  }

  @Test func theLineOfTheBadHeaderIsNamed() {
    #expect(failure("rounds = 1\n\n[ =]\n")?.hasPrefix("f.toml:3:") == true)
  }

  @Test func headersInsideValuesAndStringsAreNotHeaders() throws {
    // Nested arrays spanning lines, brackets in strings and comments: toml++ judges these.
    let text = """
      tag = [
        "[not a header",
        '[nor this',
      ]
      address = \"\"\"
      [ = still a string
      \"\"\"
      # [ = a comment
      [strategy-option]
      k = 1
      """
    #expect(try translate(text).contains("--strategy-option=k=1"))
    let nested = "round-timeout = [\n  [ 1 ],\n]\n"
    #expect(failure(nested)?.contains("a table header must start with a key") != true)
  }

  /// The line finder recorded a key path shorter than its table's for a key that read as
  /// nothing, and built a backwards range (found by FuzzConfig, on a file with NUL bytes, which
  /// toml++ silently stops at: such files are now refused).
  @Test func aKeyThatReadsAsNothingIsNotACrash() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let data = try Data(
      contentsOf: root.appendingPathComponent("Fuzz/Corpus/FuzzConfig/crash-key-lines-empty-key"))
    #expect(
      failure(String(decoding: data, as: UTF8.self))
        == "f.toml:1: TOML syntax error: a NUL byte (TOML allows no control characters)")
  }
}
