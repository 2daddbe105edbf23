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
    .library(name: "PollenFlowerProto", targets: ["PollenFlowerProto"]),
    .library(name: "PollenSimulation", targets: ["PollenSimulation"]),
    .library(name: "PollenData", targets: ["PollenData"]),
    .library(name: "PollenNN", targets: ["PollenNN"]),
    .library(name: "PollenRecipes", targets: ["PollenRecipes"]),
    .library(name: "PollenStore", targets: ["PollenStore"]),
    .library(name: "PollenMetrics", targets: ["PollenMetrics"]),
    .library(name: "PollenConfig", targets: ["PollenConfig"]),
    .library(name: "PollenFleet", targets: ["PollenFleet"]),
    .library(name: "PollenPrivacy", targets: ["PollenPrivacy"]),
    .executable(name: "pollen", targets: ["pollen"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
  ],
  targets: [
    .target(name: "PollenCore"),
    .target(
      name: "PollenServer",
      dependencies: [
        "PollenCore", .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
      ]
    ),
    // The run store: a run's settings, rounds, parameters and strategy state in SQLite.
    .target(
      name: "PollenStore",
      dependencies: ["PollenCore", "PollenServer", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    // Prometheus exposition of the swift-metrics the server and simulator emit, over HTTP.
    .target(
      name: "PollenMetrics",
      dependencies: [
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // TOML configuration files for the CLI's commands.
    .target(
      name: "PollenConfig",
      dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]
    ),
    .target(
      name: "PollenClient",
      dependencies: ["PollenCore", .product(name: "Logging", package: "swift-log")]
    ),
    // Flower's legacy messages (transport.proto): generated code and the mapping to Pollen's
    // types. No gRPC here, so the fuzzers can build it with sanitizers.
    .target(
      name: "PollenFlowerProto",
      dependencies: [
        "PollenCore", "PollenClient", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]
    ),
    // Flower 1.41's Fleet API messages (generated, package visibility) and its object encoding
    // (InflatableObject, Message/RecordDict/records/arrays as Swift values); PollenFleet serves it.
    .target(
      name: "PollenFleetProto",
      dependencies: [
        "PollenCore", "PollenFlowerProto", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // Flower 1.41's Fleet API (HTTP/1.1 + protobuf) for unmodified SuperNodes (issue 13).
    .target(
      name: "PollenFleet",
      dependencies: [
        "PollenCore", "PollenServer", "PollenFleetProto", "PollenFlowerProto",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "TOMLKit", package: "TOMLKit"),
      ]
    ),
    .target(
      name: "PollenGRPC",
      dependencies: [
        "PollenCore", "PollenServer", "PollenClient", "PollenFlowerProto",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    .target(
      name: "PollenPrivacy",
      dependencies: [
        "PollenCore", "PollenServer", "PollenClient", .product(name: "Crypto", package: "swift-crypto"),
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
        "PollenCore", "PollenServer", "PollenSimulation", "PollenData", "PollenNN", "PollenPrivacy",
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
        "PollenData", "PollenNN", "PollenRecipes", "PollenStore", "PollenMetrics", "PollenConfig",
        "PollenFleet", "PollenPrivacy",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Examples (README "Getting started as a library"): built by `swift build`, run by InteropTests/ExamplesTests.
    .target(name: "ExampleSupport", dependencies: ["PollenCore"], path: "Examples/ExampleSupport"),
    .executableTarget(
      name: "LinearRegressionExample", dependencies: ["PollenCore", "PollenServer", "PollenSimulation"],
      path: "Examples/LinearRegression"),
    .executableTarget(
      name: "CustomStrategyExample",
      dependencies: ["ExampleSupport", "PollenCore", "PollenServer", "PollenSimulation"],
      path: "Examples/CustomStrategy"),
    .executableTarget(
      name: "InProcessGRPCExample",
      dependencies: ["ExampleSupport", "PollenCore", "PollenServer", "PollenGRPC"],
      path: "Examples/InProcessGRPC"),
    .executableTarget(
      name: "FlowerServerClientExample", dependencies: ["ExampleSupport", "PollenCore", "PollenGRPC"],
      path: "Examples/FlowerServerClient"),
    .testTarget(
      name: "PollenCoreTests", dependencies: ["PollenCore", "PollenTesting"], resources: [.copy("Resources")]),
    .testTarget(
      name: "PollenServerTests",
      dependencies: ["PollenServer", "PollenTesting", "PollenPrivacy"],
      resources: [.copy("Resources")]
    ),
    .testTarget(name: "PollenClientTests", dependencies: ["PollenClient", "PollenTesting"]),
    .testTarget(
      name: "PollenGRPCTests",
      dependencies: [
        "PollenGRPC", "PollenFlowerProto", "PollenTesting", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOHTTP2", package: "swift-nio-http2"),
      ]
    ),
    .testTarget(name: "PollenSimulationTests", dependencies: ["PollenSimulation", "PollenTesting"]),
    .testTarget(name: "PollenDataTests", dependencies: ["PollenData", "PollenTesting"]),
    .testTarget(name: "PollenNNTests", dependencies: ["PollenNN"]),
    .testTarget(
      name: "PollenRecipesTests", dependencies: ["PollenRecipes", "PollenPrivacy", "PollenTesting"]),
    .testTarget(name: "PollenStoreTests", dependencies: ["PollenStore", "PollenTesting", "PollenPrivacy"]),
    .testTarget(name: "PollenMetricsTests", dependencies: ["PollenMetrics"]),
    .testTarget(name: "PollenConfigTests", dependencies: ["PollenConfig"]),
    .testTarget(name: "InteropTests", dependencies: ["PollenCore", "PollenTesting"], exclude: ["python"]),
    .testTarget(
      name: "PollenFleetTests",
      dependencies: ["PollenFleet", "PollenFleetProto", "PollenCore", "PollenServer"]),
    .testTarget(
      name: "PollenPrivacyTests",
      dependencies: ["PollenPrivacy", "PollenServer", "PollenClient", "PollenCore", "PollenTesting"],
      resources: [.copy("Resources")]),
    .testTarget(
      name: "PollenFleetProtoTests", dependencies: ["PollenFleetProto", "PollenCore"], exclude: ["python"]),
  ],
  swiftLanguageModes: [.v6]
)
