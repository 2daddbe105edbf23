// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "Pollen",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "PollenCore", targets: ["PollenCore"]),
    .library(name: "PollenServer", targets: ["PollenServer"]),
    .library(name: "PollenClient", targets: ["PollenClient"]),
    .library(name: "PollenGRPC", targets: ["PollenGRPC"]),
    .library(name: "PollenSimulation", targets: ["PollenSimulation"]),
    .library(name: "PollenData", targets: ["PollenData"]),
    .library(name: "PollenNN", targets: ["PollenNN"]),
    .library(name: "PollenRecipes", targets: ["PollenRecipes"]),
    .executable(name: "pollen", targets: ["pollen"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
  ],
  targets: [
    .target(name: "PollenCore"),
    .target(
      name: "PollenServer",
      dependencies: ["PollenCore", .product(name: "Logging", package: "swift-log")]
    ),
    .target(
      name: "PollenClient",
      dependencies: ["PollenCore", .product(name: "Logging", package: "swift-log")]
    ),
    .target(
      name: "PollenGRPC",
      dependencies: [
        "PollenCore", "PollenServer", "PollenClient",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "PollenSimulation",
      dependencies: [
        "PollenCore", "PollenServer", "PollenClient",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .target(
      name: "PollenData",
      dependencies: ["PollenCore", "CZlib"],
      resources: [.copy("Resources/digits.csv.gz"), .copy("Resources/breast_cancer.csv")]
    ),
    // The AVX2 + FMA GEMM micro-kernel, chosen at run time (Swift has no per-function targets).
    .target(name: "CPollenGemm", cSettings: [.unsafeFlags(["-O3"])]),
    .target(name: "PollenNN", dependencies: ["PollenCore", "PollenData", "CPollenGemm"]),
    .target(
      name: "PollenRecipes",
      dependencies: [
        "PollenCore", "PollenServer", "PollenSimulation", "PollenData", "PollenNN",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "PollenTesting",
      dependencies: ["PollenCore", "PollenServer", "PollenClient"]
    ),
    .executableTarget(
      name: "pollen",
      dependencies: [
        "PollenCore", "PollenServer", "PollenClient", "PollenGRPC", "PollenSimulation",
        "PollenData", "PollenNN", "PollenRecipes",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .testTarget(name: "PollenCoreTests", dependencies: ["PollenCore"], resources: [.copy("Resources")]),
    .testTarget(
      name: "PollenServerTests",
      dependencies: ["PollenServer", "PollenTesting"],
      resources: [.copy("Resources")]
    ),
    .testTarget(name: "PollenClientTests", dependencies: ["PollenClient", "PollenTesting"]),
    .testTarget(name: "PollenGRPCTests", dependencies: ["PollenGRPC", "PollenTesting"]),
    .testTarget(name: "PollenSimulationTests", dependencies: ["PollenSimulation", "PollenTesting"]),
    .testTarget(name: "PollenDataTests", dependencies: ["PollenData"]),
    .testTarget(name: "PollenNNTests", dependencies: ["PollenNN"]),
    .testTarget(name: "PollenRecipesTests", dependencies: ["PollenRecipes"]),
    .testTarget(name: "InteropTests", dependencies: ["PollenCore"], exclude: ["python"]),
  ],
  swiftLanguageModes: [.v6]
)
