import Crypto
import PollenCore
import PollenFleetProto
import TOMLKit

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The one run a Pollen Fleet server serves: its ID, the Flower App Bundle (FAB) the SuperNodes
/// download, and the identity Flower derives from that bundle.
///
/// A SuperNode installs the FAB and finds the installed app again by `Run.fab_id`,
/// `Run.fab_version` and `Fab.hash_str` (`flwr/cli/install.py`, `flwr/clientapp/utils.py`), so
/// these must be the pyproject's `"<publisher>/<name>"` and `version` and the SHA-256 of the
/// file as served: ``init(runID:fab:overrideConfig:)`` reads them from the bundle itself, which is
/// served byte for byte (`flwr build` output is a zip of stored entries, `flwr/cli/build.py`).
public struct FleetRun: Sendable, Hashable {
  /// The run's ID (Flower draws a random 63-bit number).
  public var runID: UInt64
  /// `"<publisher>/<name>"` from the FAB's `pyproject.toml`.
  public var fabID: String
  /// `[project] version` from the FAB's `pyproject.toml`.
  public var fabVersion: String
  /// The lowercase hex SHA-256 of ``fab``: Flower's `Fab.hash_str`.
  public var fabHash: String
  /// The FAB's bytes, served verbatim on get-fab.
  public var fab: Data
  /// Values that override the app's `[tool.flwr.app.config]` (`--run-config key=value`).
  public var overrideConfig: Config

  /// A run of the FAB `fab`.
  ///
  /// - Throws: `PollenError` (`invalidArgument`) if `fab` is not a zip of stored entries with a
  ///   `pyproject.toml` that names `[project] name`, `[project] version` and
  ///   `[tool.flwr.app] publisher`.
  public init(runID: UInt64 = FleetRun.randomRunID(), fab: Data, overrideConfig: Config = [:]) throws {
    let entries = try ZipArchive.readStored(fab)
    guard let pyproject = entries.first(where: { $0.name == "pyproject.toml" }) else {
      throw PollenError(.invalidArgument, "the FAB has no pyproject.toml (is it a `flwr build` .fab?)")
    }
    let table: TOMLTable
    do {
      table = try TOMLTable(string: String(decoding: pyproject.data, as: UTF8.self))
    } catch {
      throw PollenError(.invalidArgument, "the FAB's pyproject.toml is not TOML: \(error)")
    }
    guard let name = table["project"]?["name"]?.string, !name.isEmpty,
      let version = table["project"]?["version"]?.string, !version.isEmpty
    else {
      throw PollenError(.invalidArgument, "the FAB's pyproject.toml has no [project] name and version")
    }
    guard let publisher = table["tool"]?["flwr"]?["app"]?["publisher"]?.string, !publisher.isEmpty else {
      throw PollenError(.invalidArgument, "the FAB's pyproject.toml has no [tool.flwr.app] publisher")
    }
    self.runID = runID
    self.fabID = "\(publisher)/\(name)"
    self.fabVersion = version
    self.fabHash = InflatableObject.objectID(of: fab)
    self.fab = fab
    self.overrideConfig = overrideConfig
  }

  /// A random run ID in 1…`Int64.max` (Flower's run IDs are positive signed 64-bit numbers).
  public static func randomRunID() -> UInt64 {
    UInt64.random(in: 1...UInt64(Int64.max))
  }

  /// `key=value` as Flower's `--run-config` reads it (`flwr/common/config.py::parse_config_args`):
  /// the value is a TOML value (`lr=0.1`, `epochs=3`, `name="x"`, `flag=true`); a value that is
  /// not TOML is taken as a string.
  ///
  /// - Throws: `PollenError` (`invalidArgument`) without `=` or with an empty key.
  public static func parseRunConfig(_ argument: String) throws -> (key: String, value: Scalar) {
    guard let equals = argument.firstIndex(of: "=") else {
      throw PollenError(.invalidArgument, "--run-config \(argument): expected key=value")
    }
    let key = argument[..<equals].trimmingCharacters(in: .whitespaces)
    let raw = argument[argument.index(after: equals)...].trimmingCharacters(in: .whitespaces)
    guard !key.isEmpty else { throw PollenError(.invalidArgument, "--run-config \(argument): empty key") }
    if let table = try? TOMLTable(string: "v = \(raw)"), let value = table["v"] {
      if let b = value.bool { return (key, .bool(b)) }
      if let i = value.int { return (key, .int(Int64(i))) }
      if let d = value.double { return (key, .double(d)) }
      if let s = value.string { return (key, .string(s)) }
    }
    return (key, .string(raw))
  }
}
