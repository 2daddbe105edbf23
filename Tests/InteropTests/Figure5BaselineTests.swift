import Foundation
import Testing

/// `pollen baseline figure5 --network virtual --sweep`: the Flower paper's Figure 5 curve on the
/// virtual clock, in the report.
@Suite struct Figure5BaselineTests {
  @Test func theSweepPutsTheFigure5CurveInTheReport() async throws {
    let dir = try Interop.temporaryDirectory("figure5-sweep")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("out")
    let run = try PeerProcess(
      name: "figure5-sweep", executable: Interop.pollen(),
      arguments: ["baseline", "figure5", "--sweep", "--clients", "12", "--rounds", "2", "--out", out.path],
      directory: dir)
    let status = try await run.wait(timeout: .seconds(600))
    let output = run.output()
    #expect(status == 0, "\(output)")
    for variant in ["fedavg", "fedavg-timeout", "fedfs"] {
      #expect(output.split(separator: "\n").contains { $0.hasPrefix(variant + " ") }, "\(output)")
    }
    let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
    #expect(page.contains("Figure 5: every client at country i"), "the sweep's plot")
    #expect(page.contains("<polyline"))
    // "… country i: 1: 3.2, 5: 3.9, …, 40: 17.0." — slower countries, longer training.
    let sweep = try #require(output.range(of: "country i: ").map { output[$0.upperBound...] })
    let points = sweep.prefix { $0 != "\n" }.split(separator: ",").compactMap { part -> (Int, Double)? in
      let pair = part.trimmingCharacters(in: CharacterSet(charactersIn: " .")).split(separator: ":")
      guard pair.count == 2, let i = Int(pair[0]),
        let s = Double(pair[1].trimmingCharacters(in: .whitespaces))
      else { return nil }
      return (i, s)
    }
    #expect(points.count == 12, "\(sweep)")
    let first = try #require(points.first), last = try #require(points.last)
    #expect(first.0 == 1 && last.0 == 40)
    #expect(last.1 > 2 * first.1, "the slowest country takes far longer than the fastest: \(points)")
  }
}
