import Foundation
import Logging
import PollenServer

/// Logging for the CLI: swift-log to standard error, level from `POLLEN_LOG_LEVEL` (default
/// `warning` for simulations, so the progress bar stays readable; `info` for servers/clients).
enum CLILogging {
  static let bootstrap: Void = {
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = .trace
      return handler
    }
  }()

  static func logger(_ label: String, defaultLevel: Logger.Level = .warning) -> Logger {
    _ = bootstrap
    return Logger.pollen(label, defaultLevel: defaultLevel)
  }
}
