import ArgumentParser

/// `--config FILE.toml` of `pollen server` and `pollen simulate`.
///
/// The entry point reads the file before ArgumentParser runs (see `ConfigFileArguments`): the
/// file's settings become arguments placed before the command line's own, so the command line
/// wins. This option group only makes `--config` known to parsing and to `--help`.
struct ConfigFileOption: ParsableArguments {
  /// The file's path as given.
  @Option(
    name: .customLong("config"),
    help: ArgumentHelp(
      "A TOML file with any of these options (keys as the long names, - or _); the command line "
        + "overrides it.",
      valueName: "file.toml"))
  var config: String?
}
