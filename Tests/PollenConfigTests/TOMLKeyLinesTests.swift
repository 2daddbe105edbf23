import Testing

@testable import PollenConfig

@Suite struct TOMLKeyLinesTests {
  /// A key that reads as nothing under a table (here a NUL) used to record a backwards range of
  /// path prefixes and trap (found by FuzzConfig).
  @Test func aKeyThatReadsAsNothingUnderATableIsSkipped() {
    let lines = TOMLKeyLines(source: "[table]\n\u{0}\u{0} = 1\nrounds = 2\n")
    #expect(lines.line(of: ["table"]) == 1)
    #expect(lines.line(of: ["table", "rounds"]) == 3)
  }

  @Test func keysTablesAndDottedKeysHaveTheirLines() {
    let lines = TOMLKeyLines(
      source: """
        # header comment
        rounds = 3
        a.b.c = 1

        [strategy-options]
        eta = 0.1
        [ "quoted.table" . inner ]
        'lit' = 2
        """)
    #expect(lines.line(of: ["rounds"]) == 2)
    #expect(lines.line(of: ["a"]) == 3)
    #expect(lines.line(of: ["a", "b", "c"]) == 3)
    #expect(lines.line(of: ["strategy-options"]) == 5)
    #expect(lines.line(of: ["strategy-options", "eta"]) == 6)
    #expect(lines.line(of: ["quoted.table", "inner"]) == 7)
    #expect(lines.line(of: ["quoted.table", "inner", "lit"]) == 8)
    #expect(lines.line(of: ["missing"]) == nil)
  }

  @Test func multiLineValuesAreSkippedWithTheirNewlines() {
    let lines = TOMLKeyLines(
      source: #"""
        text = """
        looks = "like a key"
        """
        raw = '''
        x = 1'''
        list = [
          "a = b",  # c = d
          { e = 1 },
        ]
        last = "q\"uote" # done
        """#)
    #expect(lines.line(of: ["text"]) == 1)
    #expect(lines.line(of: ["looks"]) == nil)
    #expect(lines.line(of: ["raw"]) == 4)
    #expect(lines.line(of: ["x"]) == nil)
    #expect(lines.line(of: ["list"]) == 6)
    #expect(lines.line(of: ["last"]) == 10)
  }

  @Test func inlineTableKeysAnswerWithTheTablesLine() {
    let lines = TOMLKeyLines(source: "\nopts = { eta = 1, mu = 2 }\nnext = 1")
    #expect(lines.line(of: ["opts", "mu"]) == 2)
    #expect(lines.line(of: ["next"]) == 3)
  }

  @Test func crlfLineEndsCount() {
    let lines = TOMLKeyLines(source: "a = 1\r\nb = 2\r\n")
    #expect(lines.line(of: ["b"]) == 2)
  }
}
