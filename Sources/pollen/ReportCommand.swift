import ArgumentParser
import Foundation
import PollenSimulation
import PollenStore

/// `pollen report DIR | PATH.db`: the HTML report of a run directory or of a run store.
struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract:
      "Rebuild report.html of a run directory (history.json, config.json) or build one from a run store.",
    discussion: "For a run store PATH.db the report is written beside it as PATH.html.")

  @Argument(help: "The run directory, or a run store written with --state.") var path: String

  func run() throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw ValidationError("\(path): no such run directory or run store")
    }
    if isDirectory.boolValue {
      try RunDirectory(URL(fileURLWithPath: path)).rebuildReport()
      print("wrote \(path)/report.html")
      return
    }
    let summary = try RunStore.inspect(at: path)
    let history = summary.checkpoint?.history ?? .init()
    let settings = summary.settings.entries.map { (key: $0.name, value: $0.value) }
    let page = RunReport(title: "pollen \(summary.kind) — \(path)", history: history, settings: settings)
      .html()
    let out = URL(fileURLWithPath: path).deletingPathExtension().appendingPathExtension("html")
    try Data(page.utf8).write(to: out)
    print("wrote \(out.path)")
  }
}
