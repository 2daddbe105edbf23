import PollenConfig

/// A schema with every kind of option, like `pollen server`'s.
let schema = ConfigSchema([
  .init(option: "--rounds", kind: .value(.int)),
  .init(option: "--fraction-fit", kind: .value(.double)),
  .init(option: "--address", kind: .value(.string)),
  .init(option: "--resume", kind: .flag()),
  .init(option: "--deterministic", kind: .flag(inversion: "--no-deterministic")),
  .init(option: "--strategy-option", kind: .keyValueTable),
  .init(option: "--round-timeout", kind: .commaList(.double)),
  .init(option: "--tag", kind: .repeated(.string)),
])

/// One input: a TOML configuration file. It must turn into arguments or a `ConfigFileError`.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  let text = String(decoding: bytes, as: UTF8.self)
  _ = try? ConfigFile.arguments(fromTOML: text, file: "fuzz.toml", schema: schema)
}
