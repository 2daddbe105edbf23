import GRDB

/// The run store's SQLite schema, under GRDB migrations. A store whose database holds a
/// migration this build does not know was written by a newer Pollen and is refused.
enum RunStoreSchema {
  static var migrator: DatabaseMigrator {
    var m = DatabaseMigrator()
    m.registerMigration("v1") { db in
      // One row: what kind of run (server or simulate), when it started, whether it finished.
      try db.execute(
        sql: """
          CREATE TABLE run (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL,
            finished_rounds INTEGER
          );
          CREATE TABLE setting (
            position INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            value TEXT NOT NULL
          );
          -- The last completed round: global parameters (.npz) and the client sampler's state.
          CREATE TABLE checkpoint (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            round INTEGER NOT NULL,
            parameters BLOB NOT NULL,
            sampler_state BLOB,
            saved_at TEXT NOT NULL
          );
          -- The strategy's state after the last completed round: tensor lists (.npz) or scalars.
          CREATE TABLE strategy_state (
            key TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            value
          );
          -- History rows in the order they were added: Flower's five series, failures,
          -- simulated time and timings; `name` is the metric, the client id or the timing field.
          CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            round INTEGER NOT NULL,
            series TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            value
          );
          CREATE INDEX history_round ON history(round);
          """)
    }
    return m
  }
}
