import Foundation
import Testing

/// README's "Getting started as a library" section, as a newcomer would use it: its `Package.swift` and
/// `main.swift` written into a fresh package beside a `Pollen` link to this checkout, built with
/// `swift build` and run.
@Suite(.serialized) struct ReadmeSnippetTests {
  /// The code block after `<!-- snippet: NAME -->` in README.md.
  static func snippet(_ name: String) throws -> String {
    let readme = try String(
      contentsOf: Interop.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
    let marker = try #require(readme.range(of: "<!-- snippet: \(name) -->"), "README has no snippet \(name)")
    let rest = readme[marker.upperBound...]
    let open = try #require(rest.range(of: "```swift\n"))
    let close = try #require(rest[open.upperBound...].range(of: "```\n"))
    return String(rest[open.upperBound..<close.lowerBound])
  }

  @Test func theLibrarySnippetIsTheExampleTheTestsRun() throws {
    let example = try String(
      contentsOf: Interop.packageRoot.appendingPathComponent("Examples/LinearRegression/main.swift"),
      encoding: .utf8)
    #expect(try Self.snippet("Sources/MyFederation/main.swift") == example)
  }

  @Test func theLibrarySnippetBuildsAndRunsInAFreshPackage() async throws {
    let dir = try Interop.temporaryDirectory("readme-snippet")
    let package = dir.appendingPathComponent("MyFederation")
    let sources = package.appendingPathComponent("Sources/MyFederation")
    try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }  // the package's .build is large
    // `.package(path: "../Pollen")`, as README says.
    try FileManager.default.createSymbolicLink(
      at: dir.appendingPathComponent("Pollen"), withDestinationURL: Interop.packageRoot)
    try Self.snippet("Package.swift").write(
      to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
    try Self.snippet("Sources/MyFederation/main.swift").write(
      to: sources.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
    let build = try PeerProcess(
      // At the lowest priority: the suite's timing-sensitive tests run beside it.
      name: "swift-build", executable: "/usr/bin/nice",
      arguments: ["-n", "19", "swift", "build", "--package-path", package.path, "--product", "MyFederation"],
      directory: dir)
    defer { build.kill() }
    #expect(try await build.wait(timeout: .seconds(1200)) == 0, "swift build:\n\(build.output())")
    let run = try PeerProcess(
      name: "my-federation", executable: package.appendingPathComponent(".build/debug/MyFederation").path,
      arguments: [], directory: dir)
    defer { run.kill() }
    #expect(try await run.wait(timeout: .seconds(120)) == 0, "\(run.output())")
    let w = try ExamplesTests.number(after: "w = ", in: run.output())
    let b = try ExamplesTests.number(after: "b = ", in: run.output())
    #expect(abs(w - 3) < 0.05 && abs(b - 1) < 0.05, "learned w = \(w), b = \(b)")
  }
}
