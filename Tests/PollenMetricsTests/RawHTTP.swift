import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A minimal HTTP/1.1 client over a plain blocking TCP socket to 127.0.0.1, so tests can send
/// exactly the bytes they want (garbage included) and see exactly what comes back.
enum RawHTTP {
  struct Failure: Error, CustomStringConvertible { var description: String }

  /// A parsed response.
  struct Response {
    var status: Int
    /// Header names lowercased.
    var headers: [String: String]
    var body: String
  }

  /// Connects to 127.0.0.1:`port`, sends `request`, and reads until the server closes the
  /// connection. Throws if it cannot connect or the server keeps the connection open longer
  /// than `timeoutSeconds`.
  static func exchange(port: Int, _ request: [UInt8], timeoutSeconds: Int = 5) throws -> [UInt8] {
    #if os(Linux)
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else { throw Failure(description: "connect to port \(port) failed: errno \(errno)") }
    var sent = 0
    while sent < request.count {
      let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
      guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
      sent += n
    }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
      let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n == 0 { return received }
      if n < 0 {
        if errno == EINTR { continue }
        if errno == ECONNRESET { return received }
        throw Failure(
          description:
            "no end of response within \(timeoutSeconds) s (errno \(errno)); got \(received.count) bytes")
      }
      received.append(contentsOf: chunk[..<n])
    }
  }

  /// `GET path` with `Connection: close`, parsed.
  static func get(port: Int, _ path: String, method: String = "GET") throws -> Response {
    let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
    let bytes = try exchange(port: port, Array(request.utf8))
    guard let response = parse(bytes) else {
      throw Failure(description: "not an HTTP response: \(String(decoding: bytes, as: UTF8.self))")
    }
    return response
  }

  /// The first response in `bytes`, or `nil` if it is not one.
  static func parse(_ bytes: [UInt8]) -> Response? {
    let text = String(decoding: bytes, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusParts = lines[0].split(separator: " ")
    guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
      return nil
    }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
      guard let colon = line.firstIndex(of: ":") else { return nil }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
        in: .whitespaces)
    }
    var body = String(text[split.upperBound...])
    if let length = headers["content-length"].flatMap(Int.init) {
      body = String(decoding: Array(body.utf8.prefix(length)), as: UTF8.self)
    }
    return Response(status: status, headers: headers, body: body)
  }
}
