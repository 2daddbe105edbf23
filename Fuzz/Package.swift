// swift-tools-version: 6.1
// libFuzzer harnesses for Pollen's decoders of untrusted bytes. Not part of the main build:
// `Scripts/fuzz.sh TARGET SECONDS` builds one with `-sanitize=fuzzer,address` and runs it.
// Built without `-DFUZZING` (as the tests do), each harness is a replayer instead: it runs the
// same function over the files it is given (the committed corpus and any crash reproducers).
import PackageDescription

let targets = [
  "FuzzNPY", "FuzzNPZ", "FuzzGzip", "FuzzCSV", "FuzzConfig", "FuzzFlowerWire", "FuzzIDX", "FuzzCIFAR",
  "FuzzProfiles",
  "FuzzNPYHeader",
]
let modules: [String: [String]] = [
  "FuzzNPY": ["PollenCore"], "FuzzNPYHeader": ["PollenCore"], "FuzzNPZ": ["PollenCore"],
  "FuzzGzip": ["PollenData"], "FuzzCSV": ["PollenData"],
  "FuzzConfig": ["PollenConfig"], "FuzzFlowerWire": ["PollenCore", "PollenClient", "PollenFlowerProto"],
  "FuzzIDX": ["PollenData"], "FuzzCIFAR": ["PollenData"], "FuzzProfiles": ["PollenSimulation"],
]

let package = Package(
  name: "PollenFuzz",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "Pollen", path: "..")],
  targets: [.target(name: "FuzzSupport", path: "Sources/FuzzSupport")]
    + targets.map { name in
      .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + modules[name]!.map { .product(name: $0, package: "Pollen") },
        path: "Sources/\(name)")
    }
)
