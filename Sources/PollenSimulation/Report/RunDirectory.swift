import Foundation
import PollenCore
import PollenServer

/// A run's output directory: `history.json` (Flower's History shape), `parameters.npz` (the final
/// global parameters as `arr_0 …`), `config.json` (the settings), `timings.json` (each round's
/// wall-clock phase times, kept out of `history.json` so that a seed reproduces that file byte
/// for byte) and `report.html`.
public struct RunDirectory: Sendable {
  public let url: URL

  public init(_ url: URL) { self.url = url }

  /// Writes all the files, creating the directory.
  public func write(
    history: History, parameters: Parameters, settings: [(key: String, value: String)], title: String
  ) throws {
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    try history.jsonData(includeTimings: false).write(to: url.appendingPathComponent("history.json"))
    if !history.timings.isEmpty {
      var timings = History()
      timings.timings = history.timings
      try timings.jsonData().write(to: url.appendingPathComponent("timings.json"))
    }
    try NPZ.encode(parameters.tensors).write(to: url.appendingPathComponent("parameters.npz"))
    try Self.settingsJSON(settings, title: title).write(to: url.appendingPathComponent("config.json"))
    try writeReport(history: history, settings: settings, title: title)
  }

  /// Writes `report.html` only.
  public func writeReport(history: History, settings: [(key: String, value: String)], title: String) throws {
    let page = RunReport(title: title, history: history, settings: settings).html()
    try Data(page.utf8).write(to: url.appendingPathComponent("report.html"))
  }

  /// Rebuilds `report.html` from `history.json` and `config.json` (what `pollen report` does).
  public func rebuildReport() throws {
    let historyURL = url.appendingPathComponent("history.json")
    guard let data = FileManager.default.contents(atPath: historyURL.path) else {
      throw PollenError(.io, "no history.json in \(url.path)")
    }
    var history = try History(jsonData: data)
    if let timings = FileManager.default.contents(atPath: url.appendingPathComponent("timings.json").path) {
      history.timings = try History(jsonData: timings).timings
    }
    var settings: [(key: String, value: String)] = []
    var title = "Pollen run"
    if let config = FileManager.default.contents(atPath: url.appendingPathComponent("config.json").path),
      let o = try JSONSerialization.jsonObject(with: config) as? [String: Any]
    {
      title = o["title"] as? String ?? title
      if let pairs = o["settings"] as? [[String]] {
        settings = pairs.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil }
      }
    }
    try writeReport(history: history, settings: settings, title: title)
  }

  static func settingsJSON(_ settings: [(key: String, value: String)], title: String) throws -> Data {
    let object: [String: Any] = [
      "title": title, "settings": settings.map { [$0.key, $0.value] },
      "values": Dictionary(settings.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
    ]
    return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
  }
}
