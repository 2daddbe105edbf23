import Foundation

/// Runs a harness: under libFuzzer (`-DFUZZING`) hands the command line to libFuzzer's driver;
/// otherwise replays every file under the given paths (corpus directories or crash
/// reproducers) through it, so committed inputs are regression tests.
public enum FuzzDriver {
  nonisolated(unsafe) static var harness: (UnsafeRawBufferPointer) -> Void = { _ in }

  public static func run(_ fuzz: @escaping (UnsafeRawBufferPointer) -> Void) throws {
    harness = fuzz
    #if FUZZING
      var argc = CommandLine.argc
      var argv = CommandLine.unsafeArgv
      exit(runDriver(&argc, &argv, fuzzOneInput))
    #else
      var count = 0
      for path in CommandLine.arguments.dropFirst() {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
          throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        let files =
          isDirectory.boolValue
          ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
          : [path]
        for file in files {
          let data = try Data(contentsOf: URL(fileURLWithPath: file))
          data.withUnsafeBytes { fuzz($0) }
          count += 1
        }
      }
      print("replayed \(count) inputs")
    #endif
  }
}

#if FUZZING
  /// libFuzzer's callback: one input through the harness.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzDriver.harness(UnsafeRawBufferPointer(start: data, count: size))
    return 0
  }

  @_silgen_name("LLVMFuzzerRunDriver")
  func runDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
  ) -> CInt
#endif
