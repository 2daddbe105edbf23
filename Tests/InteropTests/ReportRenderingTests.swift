import Foundation
import Testing

/// `pollen simulate` writes a report.html that headless Chromium renders with both plots
/// (`Scripts/check-report.py` takes the screenshot and looks for the plots' series colours).
@Suite struct ReportRenderingTests {
  @Test func reportRendersBothPlotsInHeadlessChromium() async throws {
    let dir = try Interop.temporaryDirectory("report")
    let simulate = try PeerProcess(
      name: "pollen-simulate", executable: Interop.pollen(),
      arguments: ["simulate", "--rounds", "3", "--clients", "20", "--out", dir.path], directory: dir)
    let status = try await simulate.wait(timeout: .seconds(300))
    try #require(status == 0, "pollen simulate failed:\n\(simulate.output())")

    let check = try PeerProcess(
      name: "check-report", executable: Interop.python(),
      arguments: [Interop.packageRoot.appendingPathComponent("Scripts/check-report.py").path, dir.path],
      directory: dir)
    let checked = try await check.wait(timeout: .seconds(180))
    #expect(checked == 0, "the report did not render both plots:\n\(check.output())")
    #expect(check.output().contains("\"plots\": 2"), "\(check.output())")
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("report.png").path))
  }
}
