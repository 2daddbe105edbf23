import Foundation
import GRDB
import PollenCore
import PollenServer

/// A run's durable state in one SQLite file (WAL mode, GRDB migrations): its settings, and after
/// every round, in one transaction, the round number, the global parameters, that round's
/// history rows (Flower's five series, failures, timings), the strategy's state and the client
/// sampler's random state. `pollen server --state PATH` and `pollen simulate --state PATH`
/// record into one; `--resume` continues after its last completed round.
///
/// Every check that can refuse a store (missing, not a run store, corrupt, written by a newer
/// schema, other settings, already finished) runs on a read-only connection first, so a refused
/// store is left byte for byte as it was.
public final class RunStore: RunRecorder {
  /// The store's path.
  public let path: String
  private let pool: DatabasePool

  private init(path: String) throws {
    self.path = path
    var config = Configuration()
    config.prepareDatabase { db in
      // Every round's transaction is on disk before the next round starts (power loss included).
      try db.execute(sql: "PRAGMA synchronous = FULL")
    }
    do {
      pool = try DatabasePool(path: path, configuration: config)
    } catch {
      throw PollenError(.io, "\(path): cannot open the run store: \(Self.reason(error))")
    }
  }

  /// Creates a new store at `path` for a run of `kind` (`server`, `simulate`) with `settings`.
  /// Refuses an existing file: a run is continued with ``resume(at:kind:settings:)``, never overwritten.
  public static func create(at path: String, kind: String, settings: RunSettings) throws -> RunStore {
    guard !FileManager.default.fileExists(atPath: path) else {
      throw PollenError(
        .invalidArgument, "\(path) already holds a run; pass --resume to continue it, or choose another path")
    }
    let store = try RunStore(path: path)
    do {
      try RunStoreSchema.migrator.migrate(store.pool)
    } catch {
      throw PollenError(.io, "\(path): cannot create the run store: \(Self.reason(error))")
    }
    try store.write { db in
      try db.execute(
        sql: "INSERT INTO run (id, kind, created_at) VALUES (1, ?, ?)", arguments: [kind, Self.now()])
      for (i, e) in settings.entries.enumerated() {
        try db.execute(
          sql: "INSERT INTO setting (position, name, value) VALUES (?, ?, ?)",
          arguments: [i, e.name, e.value])
      }
    }
    return store
  }

  /// Opens the store at `path` to continue its run: checks it (read-only) and returns it with
  /// its last checkpoint (`nil` when no round was saved yet, not even round 0).
  ///
  /// - Throws: `PollenError` naming the problem: no store, not a run store or corrupt, a newer
  ///   schema, another kind of run, a setting that differs (named, with both values), a run
  ///   that already finished.
  public static func resume(at path: String, kind: String, settings: RunSettings) throws -> (
    store: RunStore, checkpoint: RunCheckpoint?
  ) {
    let summary = try inspect(at: path)
    guard summary.kind == kind else {
      throw PollenError(.invalidArgument, "\(path) holds a \(summary.kind) run, not a \(kind) run")
    }
    if let d = summary.settings.firstDifference(from: settings) {
      throw PollenError(
        .invalidArgument,
        "--resume: setting \"\(d.name)\" differs: the run in \(path) has \(d.stored.map { "\"\($0)\"" } ?? "none"), this command has \(d.given.map { "\"\($0)\"" } ?? "none")"
      )
    }
    if let rounds = summary.finishedRounds {
      throw PollenError(
        .invalidArgument, "\(path): the run already finished (\(rounds) rounds); nothing to resume")
    }
    let store = try RunStore(path: path)
    let checkpoint = try store.pool.read { db in try Self.checkpoint(db, path: path) }
    return (store, checkpoint)
  }

  /// Reads the store at `path` without changing it: settings, progress, history.
  public static func inspect(at path: String) throws -> RunSummary {
    guard FileManager.default.fileExists(atPath: path) else {
      throw PollenError(.invalidArgument, "\(path): no such run store")
    }
    var config = Configuration()
    config.readonly = true
    do {
      let queue = try DatabaseQueue(path: path, configuration: config)
      defer { try? queue.close() }
      return try queue.read { db in
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard check == ["ok"] else {
          throw PollenError(
            .invalidArgument, "\(path) is corrupt: \(check.prefix(3).joined(separator: "; "))")
        }
        guard try db.tableExists("grdb_migrations"), try db.tableExists("run") else {
          throw PollenError(.invalidArgument, "\(path) is not a Pollen run store")
        }
        if try RunStoreSchema.migrator.hasBeenSuperseded(db) {
          let known = Set(RunStoreSchema.migrator.migrations)
          let all = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
          throw PollenError(
            .invalidArgument,
            "\(path) was written by a newer Pollen (schema \(all.filter { !known.contains($0) }.joined(separator: ", "))); upgrade Pollen to use it"
          )
        }
        guard try RunStoreSchema.migrator.hasCompletedMigrations(db) else {
          throw PollenError(.invalidArgument, "\(path) has an incomplete schema")
        }
        guard let run = try Row.fetchOne(db, sql: "SELECT kind, created_at, finished_rounds FROM run") else {
          throw PollenError(.invalidArgument, "\(path) holds no run")
        }
        let settings = RunSettings(
          try Row.fetchAll(db, sql: "SELECT name, value FROM setting ORDER BY position").map {
            ($0["name"], $0["value"])
          })
        let checkpoint = try Self.checkpoint(db, path: path)
        return RunSummary(
          kind: run["kind"], createdAt: run["created_at"], finishedRounds: run["finished_rounds"],
          settings: settings, checkpoint: checkpoint)
      }
    } catch let error as PollenError {
      throw error
    } catch {
      throw PollenError(.invalidArgument, "\(path) is not a readable run store: \(Self.reason(error))")
    }
  }

  /// Saves `checkpoint` in one transaction: the round, parameters, strategy and sampler state,
  /// and the history rows of that round.
  public func record(_ checkpoint: RunCheckpoint) throws {
    let npz = NPZ.encode(checkpoint.parameters.tensors)
    try write { db in
      var sampler: Data?
      if let words = checkpoint.samplerState {
        var bytes: [UInt8] = []
        for w in words { for j in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: w >> UInt64(8 * j))) } }
        sampler = Data(bytes)
      }
      try db.execute(
        sql: """
          INSERT INTO checkpoint (id, round, parameters, sampler_state, saved_at) VALUES (1, ?, ?, ?, ?)
          ON CONFLICT(id) DO UPDATE SET round = excluded.round, parameters = excluded.parameters,
            sampler_state = excluded.sampler_state, saved_at = excluded.saved_at
          """, arguments: [checkpoint.round, npz, sampler, Self.now()])
      try db.execute(sql: "DELETE FROM strategy_state")
      for (key, arrays) in checkpoint.strategyState.arrays {
        try db.execute(
          sql: "INSERT INTO strategy_state (key, kind, value) VALUES (?, 'arrays', ?)",
          arguments: [key, NPZ.encode(arrays)])
      }
      for (key, scalar) in checkpoint.strategyState.scalars {
        let (kind, value) = scalar.databaseColumns
        try db.execute(
          sql: "INSERT INTO strategy_state (key, kind, value) VALUES (?, ?, ?)",
          arguments: [key, kind, value])
      }
      try db.execute(sql: "DELETE FROM history WHERE round >= ?", arguments: [checkpoint.round])
      for row in HistoryRows.rows(of: checkpoint.history, round: checkpoint.round) {
        let (kind, value) = row.value.databaseColumns
        try db.execute(
          sql: "INSERT INTO history (round, series, name, kind, value) VALUES (?, ?, ?, ?, ?)",
          arguments: [row.round, row.series, row.name, kind, value])
      }
    }
  }

  /// Marks the run finished after `rounds` rounds; `--resume` then refuses it.
  public func finish(rounds: Int) throws {
    try write { db in
      try db.execute(sql: "UPDATE run SET finished_rounds = ?", arguments: [rounds])
    }
  }

  /// Closes the database, first moving the WAL's pages into the main file (so a finished or
  /// stopped run is one self-contained file).
  public func close() throws {
    do {
      try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
      try pool.close()
    } catch {
      throw PollenError(.io, "\(path): cannot close the run store: \(Self.reason(error))")
    }
  }

  private func write(_ body: (Database) throws -> Void) throws {
    do {
      try pool.write { db in try body(db) }
    } catch let error as PollenError {
      throw error
    } catch {
      throw PollenError(.io, "\(path): cannot save the run: \(Self.reason(error))")
    }
  }

  /// The saved checkpoint, or `nil` when no round was saved.
  private static func checkpoint(_ db: Database, path: String) throws -> RunCheckpoint? {
    guard let row = try Row.fetchOne(db, sql: "SELECT round, parameters, sampler_state FROM checkpoint")
    else {
      return nil
    }
    let round: Int = row["round"]
    let parameters: Data = row["parameters"]
    let tensors: [NDArray]
    do {
      tensors = try NPZ.decode(parameters).map(\.array)
    } catch {
      throw PollenError(
        .invalidArgument, "\(path): the saved parameters of round \(round) are corrupt: \(error)")
    }
    var sampler: [UInt64]?
    if let bytes: Data = row["sampler_state"] {
      guard bytes.count % 8 == 0 else {
        throw PollenError(.invalidArgument, "\(path): the saved sampler state is corrupt")
      }
      let b = [UInt8](bytes)
      var words: [UInt64] = []
      for i in stride(from: 0, to: b.count, by: 8) {
        var w: UInt64 = 0
        for j in 0..<8 { w |= UInt64(b[i + j]) << UInt64(8 * j) }
        words.append(w)
      }
      sampler = words
    }
    var state = StrategyState()
    for r in try Row.fetchAll(db, sql: "SELECT key, kind, value FROM strategy_state") {
      let key: String = r["key"]
      let kind: String = r["kind"]
      if kind == "arrays" {
        guard let data = Data.fromDatabaseValue(r["value"]), let arrays = try? NPZ.decode(data) else {
          throw PollenError(.invalidArgument, "\(path): strategy state \"\(key)\" is corrupt")
        }
        state.arrays[key] = arrays.map(\.array)
      } else {
        guard let scalar = Scalar(kind: kind, value: r["value"]) else {
          throw PollenError(.invalidArgument, "\(path): strategy state \"\(key)\" is corrupt")
        }
        state.scalars[key] = scalar
      }
    }
    var rows: [HistoryRows.Row] = []
    for r in try Row.fetchAll(db, sql: "SELECT round, series, name, kind, value FROM history ORDER BY id") {
      guard let value = Scalar(kind: r["kind"], value: r["value"]) else {
        throw PollenError(.invalidArgument, "\(path): a history row of round \(r["round"] as Int) is corrupt")
      }
      rows.append(HistoryRows.Row(round: r["round"], series: r["series"], name: r["name"], value: value))
    }
    let history = try HistoryRows.history(from: rows)
    return RunCheckpoint(
      round: round, parameters: Parameters(tensors: tensors), history: history, strategyState: state,
      samplerState: sampler)
  }

  private static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

  private static func reason(_ error: any Error) -> String {
    if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
    return "\(error)"
  }
}

/// What `pollen runs show` prints: a store's run, its settings and progress.
public struct RunSummary: Sendable {
  /// `server` or `simulate`.
  public var kind: String
  /// When the run started (ISO 8601).
  public var createdAt: String
  /// The number of rounds when the run finished; `nil` while it can be resumed.
  public var finishedRounds: Int?
  /// The run's settings.
  public var settings: RunSettings
  /// The last completed round's checkpoint, if any.
  public var checkpoint: RunCheckpoint?

  /// The last completed round (0 when only the initial parameters were saved; -1 when nothing was).
  public var roundsDone: Int { checkpoint?.round ?? -1 }
}
