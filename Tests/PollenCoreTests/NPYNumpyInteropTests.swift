import Foundation
import Testing

@testable import PollenCore

/// Writes arrays with Pollen and checks that numpy (system `python3`) loads the same values and
/// that `numpy.save` of what it loaded is byte-identical to Pollen's file.
@Suite("NPY files written by Pollen, read by numpy")
struct NPYNumpyInteropTests {
  /// Loads every `.npy` in argv[1]; writes a JSON report to argv[2].
  static let script = """
    import io, json, math, os, sys
    import numpy as np
    from numpy.lib import format as fmt
    d, out = sys.argv[1], sys.argv[2]
    def val(v):
        if isinstance(v, float) and math.isnan(v): return "nan"
        if isinstance(v, float) and math.isinf(v): return "inf" if v > 0 else "-inf"
        return v if isinstance(v, bool) else float(v)
    report = {"numpy": np.__version__, "arrays": {}}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".npy"): continue
        raw = open(os.path.join(d, name), "rb").read()
        a = np.load(io.BytesIO(raw), allow_pickle=False)
        buf = io.BytesIO(); np.save(buf, a, allow_pickle=False)
        report["arrays"][name] = {"dtype": a.dtype.name, "shape": list(a.shape),
            "values": [val(v) for v in a.reshape(-1).tolist()], "sameBytes": buf.getvalue() == raw}
    hdr = io.BytesIO()
    write_header = getattr(fmt, "_write_array_header", None)
    if write_header is None:  # numpy >= 2.0 keeps it in the private implementation module
        from numpy.lib import _format_impl
        write_header = _format_impl._write_array_header
    write_header(hdr, {"descr": "<f4", "fortran_order": False, "shape": (1,) * 22000}, None)
    report["v2header"] = hdr.getvalue() == open(os.path.join(d, "v2header.bin"), "rb").read()
    json.dump(report, open(out, "w"))
    """

  struct Report: Decodable {
    struct Entry: Decodable {
      var dtype: String
      var shape: [Int]
      var values: [JSONNumber]
      var sameBytes: Bool
    }
    var numpy: String
    var arrays: [String: Entry]
    var v2header: Bool
  }

  static func arrays() -> [String: NDArray] {
    var rng = SeededRandom(seed: 99)
    var arrays: [String: NDArray] = [:]
    for dtype in DType.allCases {
      let values = (0..<7).map { _ in (rng.nextUnit() - 0.3) * 1000 }
      arrays["\(dtype)-1d"] = NDArray(doubles: values, dtype: dtype, shape: [7])
      arrays["\(dtype)-0d"] = NDArray(doubles: [42.75], dtype: dtype, shape: [])
      arrays["\(dtype)-empty"] = NDArray(zeros: dtype, shape: [2, 0, 3])
      arrays["\(dtype)-extremes"] = NDArray(doubles: [-1e300, 1e300, -0.0, 1], dtype: dtype, shape: [2, 2])
    }
    for ndim in 1...12 {
      let shape = (0..<ndim).map { 1 + ($0 % 3) }
      let values = (0..<shape.reduce(1, *)).map { _ in rng.nextGaussian() }
      arrays["float32-\(ndim)d"] = NDArray(doubles: values, dtype: .float32, shape: shape)
    }
    arrays["float64-special"] = NDArray([.nan, .infinity, -.infinity, -0.0, 5e-324] as [Double])
    arrays["float32-long-axis"] = NDArray(zeros: .float32, shape: [1_000_000_000_000, 0])
    arrays["uint64-max"] = NDArray([UInt64.max, 1 << 63, 0] as [UInt64])
    arrays["int64-min"] = NDArray([Int64.min, Int64.max] as [Int64])
    return arrays
  }

  @Test("numpy loads Pollen's files with the same values and re-saves the same bytes")
  func numpyReadsPollen() throws {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("pollen-npy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let arrays = Self.arrays()
    for (name, array) in arrays {
      try array.npy().write(to: dir.appendingPathComponent("\(name).npy"))
    }
    let longHeader = NDArray(zeros: .float32, shape: Array(repeating: 1, count: 22_000)).npy()
    try longHeader.prefix(longHeader.count - 4).write(to: dir.appendingPathComponent("v2header.bin"))

    let out = dir.appendingPathComponent("report.json")
    try runPython(["-c", Self.script, dir.path, out.path], in: dir)
    let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: out))

    #expect(report.v2header, "numpy writes a different version 2.0 header")
    #expect(Set(report.arrays.keys) == Set(arrays.keys.map { "\($0).npy" }))
    for (name, array) in arrays.sorted(by: { $0.key < $1.key }) {
      guard let entry = report.arrays["\(name).npy"] else { continue }
      #expect(entry.dtype == array.dtype.rawValue, "\(name)")
      #expect(entry.shape == array.shape, "\(name)")
      #expect(entry.sameBytes, "\(name): numpy.save writes different bytes")
      let same = entry.values.map(\.double).elementsEqual(array.doubles(), by: sameValue)
      #expect(same, "\(name): numpy \(entry.values.prefix(5)) vs Pollen \(array.doubles().prefix(5))")
    }
  }

  /// Runs the system `python3`; fails (never skips) when it is missing or exits non-zero.
  private func runPython(_ arguments: [String], in dir: URL) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let errURL = dir.appendingPathComponent("stderr.txt")
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let err = try FileHandle(forWritingTo: errURL)
    process.standardError = err
    process.standardOutput = err
    try process.run()
    process.waitUntilExit()
    try err.close()
    let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    try #require(
      process.terminationStatus == 0,
      "python3 with numpy is required (exit \(process.terminationStatus)): \(stderr)")
  }
}
