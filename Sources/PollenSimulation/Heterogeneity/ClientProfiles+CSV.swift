import Foundation
import PollenCore

extension ClientProfiles {
  /// The CSV header, `client,examples_per_s,down_mbps,up_mbps,availability`.
  public static let csvHeader = "client,examples_per_s,down_mbps,up_mbps,availability"

  /// Parses a profile table from CSV with the header ``csvHeader``. Rows must list clients
  /// `0, 1, 2, …` in order; blank lines and lines starting with `#` are skipped.
  /// - Throws: `PollenError` `.invalidArgument` naming the 1-based line and what is wrong.
  public init(csv text: String) throws {
    var rows: [ClientProfile] = []
    var sawHeader = false
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = index + 1
      let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
      let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
      if !sawHeader {
        guard fields.joined(separator: ",") == Self.csvHeader else {
          throw PollenError(
            .invalidArgument, "profiles CSV line \(line): expected header '\(Self.csvHeader)'")
        }
        sawHeader = true
        continue
      }
      guard fields.count == 5 else {
        throw PollenError(
          .invalidArgument, "profiles CSV line \(line): expected 5 fields, got \(fields.count)")
      }
      guard let client = Int(fields[0]), client == rows.count else {
        throw PollenError(
          .invalidArgument,
          "profiles CSV line \(line): client must be \(rows.count) (rows in order), got '\(fields[0])'")
      }
      var numbers: [Double] = []
      for (name, field) in zip(Self.csvHeader.split(separator: ",").dropFirst(), fields.dropFirst()) {
        guard let v = Double(field) else {
          throw PollenError(.invalidArgument, "profiles CSV line \(line): \(name) '\(field)' is not a number")
        }
        numbers.append(v)
      }
      do {
        rows.append(
          try ClientProfile(
            examplesPerSecond: numbers[0], downMbps: numbers[1], upMbps: numbers[2], availability: numbers[3])
        )
      } catch let e as PollenError {
        throw PollenError(.invalidArgument, "profiles CSV line \(line): \(e.message)")
      }
    }
    guard sawHeader else { throw PollenError(.invalidArgument, "profiles CSV is empty (no header)") }
    guard !rows.isEmpty else { throw PollenError(.invalidArgument, "profiles CSV has a header but no rows") }
    try self.init(rows)
  }

  /// Reads a profile table from a CSV file (see ``init(csv:)``).
  public init(contentsOfFile path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw PollenError(.invalidArgument, "cannot read profiles file \(path)")
    }
    try self.init(csv: String(decoding: data, as: UTF8.self))
  }

  /// The table as CSV (header plus one row per profile), readable by ``init(csv:)``.
  public var csv: String {
    var out = Self.csvHeader + "\n"
    for (i, p) in profiles.enumerated() {
      out += "\(i),\(p.examplesPerSecond),\(p.downMbps),\(p.upMbps),\(p.availability)\n"
    }
    return out
  }
}
