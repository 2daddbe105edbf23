#if FUZZING
  /// libFuzzer's entry point (`swift build -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address`).
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
  }
#else
  import Foundation

  /// Without libFuzzer: replays every file under the given paths (corpus directories or crash
  /// reproducers) through the harness, so committed inputs are regression tests.
  @main struct Replay {
    static func main() throws {
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
    }
  }
#endif
