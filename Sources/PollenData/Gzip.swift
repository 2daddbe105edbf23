import CZlib
import Foundation
import PollenCore

/// gzip (RFC 1952) and zlib (RFC 1950) compression through the system zlib.
///
/// The loaders call ``decompress(_:)`` on any file that starts with the gzip magic bytes, so
/// `train-images-idx3-ubyte.gz` and `data.csv.gz` load like their plain versions.
public enum Gzip {
  /// Whether `data` starts with the gzip magic bytes `1f 8b`.
  public static func isGzipped(_ data: Data) -> Bool {
    data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
  }

  /// Decompresses gzip or zlib `data` (detected from the header); concatenated gzip members
  /// are decompressed one after the other, as `gunzip` does.
  /// - Throws: `PollenError` `.invalidArgument` if the stream is corrupt or truncated.
  public static func decompress(_ data: Data) throws -> Data {
    if data.isEmpty { return Data() }
    var stream = z_stream()
    // 15 + 32: maximum window, detect a gzip or zlib header automatically.
    guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { throw PollenError(.internalError, "gzip: zlib inflateInit2 failed") }
    defer { inflateEnd(&stream) }

    var output = Data()
    output.reserveCapacity(min(data.count * 4, 1 << 30))
    let chunkSize = 1 << 18
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
      let base = input.bindMemory(to: Bytef.self).baseAddress!
      stream.next_in = UnsafeMutablePointer(mutating: base)
      stream.avail_in = uInt(input.count)
      while true {
        let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
          stream.next_out = out.baseAddress
          stream.avail_out = uInt(chunkSize)
          let status = inflate(&stream, Z_NO_FLUSH)
          output.append(out.baseAddress!, count: chunkSize - Int(stream.avail_out))
          return status
        }
        switch status {
        case Z_STREAM_END:
          // Another gzip member may follow (as `cat a.gz b.gz` produces).
          if stream.avail_in == 0 { return }
          guard inflateReset(&stream) == Z_OK else {
            throw PollenError(.invalidArgument, "gzip: cannot read the member after the first")
          }
        case Z_OK:
          continue
        case Z_BUF_ERROR where stream.avail_in == 0:
          throw PollenError(.invalidArgument, "gzip: truncated stream (ended before the trailer)")
        default:
          let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
          throw PollenError(.invalidArgument, "gzip: corrupt data (\(reason))")
        }
      }
    }
    return output
  }

  /// Compresses `data` into the gzip format at `level` (0 = store … 9 = smallest).
  public static func compress(_ data: Data, level: Int32 = 6) throws -> Data {
    var stream = z_stream()
    // 15 + 16: maximum window, write a gzip (not zlib) header and trailer.
    let initStatus = deflateInit2_(
      &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
      Int32(MemoryLayout<z_stream>.size))
    guard initStatus == Z_OK else {
      throw PollenError(.invalidArgument, "gzip: cannot compress at level \(level)")
    }
    defer { deflateEnd(&stream) }
    let bound = Int(deflateBound(&stream, uLong(data.count)))
    var output = [UInt8](repeating: 0, count: bound)
    let status = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Int32 in
      output.withUnsafeMutableBufferPointer { out in
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(input.count)
        stream.next_out = out.baseAddress
        stream.avail_out = uInt(bound)
        return deflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else {
      throw PollenError(.internalError, "gzip: deflate did not finish (status \(status))")
    }
    return Data(output[0..<Int(stream.total_out)])
  }

  /// The contents of `url`, gunzipped if they start with the gzip magic bytes.
  /// - Throws: `PollenError` `.io` if the file cannot be read, `.invalidArgument` if it is
  ///   corrupt gzip.
  static func readMaybeGzipped(_ url: URL) throws -> Data {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw PollenError(.io, "cannot read \(url.path)", cause: error)
    }
    guard isGzipped(data) else { return data }
    do {
      return try decompress(data)
    } catch let error as PollenError {
      throw PollenError(error.code, "\(url.lastPathComponent): \(error.message)")
    }
  }
}
