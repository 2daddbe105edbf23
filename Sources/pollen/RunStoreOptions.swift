import ArgumentParser
import Foundation
import Logging
import PollenServer
import PollenStore

/// `--state PATH.db` and `--resume`: the run store options of `pollen server` and `pollen simulate`.
struct RunStoreOptions: ParsableArguments {
  @Option(help: "SQLite run store: every round is saved to it, so the run can be resumed (--resume).")
  var state: String?

  @Flag(help: "Continue the run in --state after its last completed round (same settings required).")
  var resume = false

  func validate() throws {
    if resume, state == nil {
      throw ValidationError("--resume needs --state PATH (the run store to continue)")
    }
  }

  /// Opens the store: a new one, or with `--resume` the existing one and its last checkpoint.
  /// `nil` without `--state`.
  func open(kind: String, settings: RunSettings, logger: Logger) throws -> (
    store: RunStore, checkpoint: RunCheckpoint?
  )? {
    guard let state else { return nil }
    if resume {
      let (store, checkpoint) = try RunStore.resume(at: state, kind: kind, settings: settings)
      if let checkpoint {
        logger.info("resuming \(state) after round \(checkpoint.round)")
      } else {
        logger.info("resuming \(state): no round was saved, starting from the beginning")
      }
      return (store, checkpoint)
    }
    let store = try RunStore.create(at: state, kind: kind, settings: settings)
    logger.info("saving the run to \(state)")
    return (store, nil)
  }
}
