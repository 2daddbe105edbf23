import Logging

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension Logger {
  /// The environment variable that sets the level of every logger Pollen's library makes for
  /// itself (`trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`), as it does for
  /// the `pollen` command.
  public static let pollenLevelVariable = "POLLEN_LOG_LEVEL"

  /// The logger Pollen's types use when none is passed in: label `label`, level from
  /// `POLLEN_LOG_LEVEL` when it is set (and valid), else `defaultLevel`.
  ///
  /// Every library type that logs (``Server``, the strategies, the client managers, the
  /// simulation and the transports) takes a `logger:` argument; pass one to route or silence
  /// its output, or set `POLLEN_LOG_LEVEL` to change them all.
  ///
  /// - Parameters:
  ///   - label: the logger's label.
  ///   - defaultLevel: the level when `setting` names none.
  ///   - setting: the variable's value (default: read from the environment).
  public static func pollen(
    _ label: String, defaultLevel: Logger.Level = .info, setting: String? = Logger.pollenLevelSetting()
  ) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = setting.flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? defaultLevel
    return logger
  }

  /// `POLLEN_LOG_LEVEL`'s value, or `nil` when it is not set.
  public static func pollenLevelSetting() -> String? {
    getenv(pollenLevelVariable).map { String(cString: $0) }
  }
}
