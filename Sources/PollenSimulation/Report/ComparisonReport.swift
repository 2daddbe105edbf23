import Foundation
import PollenServer

/// A self-contained HTML page comparing several runs: a results table and one SVG line chart
/// per metric, with a series per run (what `pollen baseline` writes).
public struct ComparisonReport: Sendable {
  public var title: String
  /// Free text under the title: the setting and what to look for.
  public var summary: String
  /// The table's header and rows.
  public var columns: [String]
  public var rows: [[String]]
  /// The charts, each drawn from the runs' histories.
  public var plots: [SVGPlot]

  public init(title: String, summary: String, columns: [String], rows: [[String]], plots: [SVGPlot]) {
    self.title = title
    self.summary = summary
    self.columns = columns
    self.rows = rows
    self.plots = plots
  }

  /// Colours for up to ten series (then they repeat).
  public static let palette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf",
  ]

  /// The table as aligned plain text, for the terminal.
  public func textTable() -> String {
    let all = [columns] + rows
    let widths = columns.indices.map { c in all.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, v in v.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
        .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(columns), rule] + rows.map(line)).joined(separator: "\n")
  }

  /// The page.
  public func html() -> String {
    let head = columns.map { "<th>\(escape($0))</th>" }.joined()
    let body = rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined()
    let charts = plots.enumerated().map { i, p in p.render(id: "plot-\(i)") }.joined()
    return HTMLPage.render(
      title: title,
      body: """
        <p>\(escape(summary))</p>
        <table><tr>\(head)</tr>\(body)</table>
        <div class="plots">\(charts)</div>
        """)
  }

  /// Writes `report.html` (and `results.txt` with the text table) into `directory`.
  public func write(to directory: URL) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try Data(html().utf8).write(to: directory.appendingPathComponent("report.html"))
    try Data((textTable() + "\n").utf8).write(to: directory.appendingPathComponent("results.txt"))
  }

  /// One chart with a series per named history, drawn from `values` (round, value) pairs.
  public static func plot(
    title: String, yLabel: String, runs: [(name: String, history: History)],
    values: (History) -> [(x: Double, y: Double)]
  ) -> SVGPlot {
    SVGPlot(
      title: title, xLabel: "round", yLabel: yLabel,
      series: runs.enumerated().map { i, run in
        SVGPlot.Series(name: run.name, points: values(run.history), color: palette[i % palette.count])
      })
  }
}
