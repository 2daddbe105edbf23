/// The preamble and header of an `.npy` file: everything before the raw data.
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, a little-endian header length
/// (uint16 for 1.0, uint32 for 2.0 and 3.0), then the header, the `repr` of a dict with keys
/// `descr`, `fortran_order` and `shape`, padded with spaces and a final `\n` so that the data
/// starts at a multiple of 64 bytes.
struct NPYHeader {
  var descr: NPYDescr
  var fortranOrder: Bool
  var shape: [Int]
  /// Offset of the first data byte from the start of the file.
  var dataOffset: Int
  /// Bytes of the preamble's header length field (``Preamble/lengthSize``).
  var lengthSize = 0

  static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
  /// numpy's `ARRAY_ALIGN`.
  static let alignment = 64
  /// numpy's `GROWTH_AXIS_MAX_DIGITS`: room left after the dict to grow the first axis in place.
  static let growthDigits = 21
  /// numpy's `NPY_MAXDIMS`.
  static let maxDimensions = 64

  /// The fixed part of an `.npy` file before its header: the version and the header's length.
  struct Preamble {
    var major: UInt8
    var minor: UInt8
    /// Bytes of the little-endian header length field: 2 in version 1.0, 4 from 2.0 on.
    var lengthSize: Int
    /// The header's length as declared (its text and padding, the final `\n` included).
    var headerLength: Int
    /// Where the header's text begins.
    var headerStart: Int { 8 + lengthSize }
    /// Where the data begins, if the declared length is right.
    var dataOffset: Int { headerStart + headerLength }

    /// Reads the preamble at the start of `file` (10 or 12 bytes; the header need not follow).
    ///
    /// - Throws: ``PollenError`` (`invalidTensor`) naming what is wrong.
    init(_ file: UnsafeRawBufferPointer) throws(PollenError) {
      let prefix = min(file.count, magic.count)
      guard file.prefix(prefix).elementsEqual(magic.prefix(prefix)) else {
        throw invalid("not an .npy file: it does not start with the magic string \\x93NUMPY")
      }
      guard file.count >= 10 else {
        throw invalid("truncated .npy preamble: \(file.count) bytes")
      }
      (major, minor) = (file[6], file[7])
      switch (major, minor) {
      case (1, 0): lengthSize = 2
      case (2, 0), (3, 0): lengthSize = 4
      default: throw invalid("unsupported .npy version \(major).\(minor) (Pollen reads 1.0, 2.0 and 3.0)")
      }
      guard file.count >= 8 + lengthSize else { throw invalid("truncated .npy header length") }
      headerLength = 0
      for i in 0..<lengthSize { headerLength |= Int(file[8 + i]) << (8 * i) }
    }
  }

  /// Reads the preamble and header at the start of `file`.
  ///
  /// - Throws: ``PollenError`` (`invalidTensor`) naming what is wrong.
  static func parse(_ file: UnsafeRawBufferPointer) throws(PollenError) -> NPYHeader {
    let preamble = try Preamble(file)
    let (major, headerStart, headerLength) = (preamble.major, preamble.headerStart, preamble.headerLength)
    guard file.count - headerStart >= headerLength else {
      throw invalid(
        "truncated .npy header: \(headerLength) bytes declared, \(file.count - headerStart) present")
    }
    let text = [UInt8](file[headerStart..<(headerStart + headerLength)])
    if major == 3, String(validating: text, as: UTF8.self) == nil {
      throw invalid("the .npy 3.0 header is not valid UTF-8")
    }
    let literal: PythonLiteral
    do {
      literal = try PythonLiteral.parse(text, latin1: major < 3, allowLongSuffix: major < 3)
    } catch {
      throw invalid("cannot parse the .npy header as a Python literal: \(error)")
    }
    var header = try fromLiteral(literal)
    header.dataOffset = headerStart + headerLength
    header.lengthSize = preamble.lengthSize
    return header
  }

  /// The number of data bytes the header declares, checked against the `available` bytes
  /// before anything is allocated.
  func payloadByteCount(available: Int) throws(PollenError) -> Int {
    var count = 1
    for dim in shape {
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      guard !overflow else { throw Self.invalid("the .npy shape \(shape) has too many elements") }
      count = product
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: descr.dtype.itemSize)
    guard !overflow, byteCount <= available else {
      let needed = overflow ? "more than Int.max" : "\(byteCount)"
      throw Self.invalid(
        "truncated .npy data: shape \(shape) of \(descr.dtype) needs \(needed) bytes, \(available) present")
    }
    return byteCount
  }

  /// Checks the header dict like numpy's `_read_array_header`.
  private static func fromLiteral(_ literal: PythonLiteral) throws(PollenError) -> NPYHeader {
    guard case .dict(let entries) = literal else {
      throw invalid("the .npy header is a \(literal.typeName), not a dict")
    }
    var fields: [String: PythonLiteral] = [:]
    for (key, value) in entries {
      guard case .string(let name) = key else {
        throw invalid("the .npy header has a key of type \(key.typeName)")
      }
      fields[name] = value  // a repeated key keeps its last value, as in Python
    }
    let expected: Set = ["descr", "fortran_order", "shape"]
    guard Set(fields.keys) == expected, let descrValue = fields["descr"],
      let orderValue = fields["fortran_order"], let shapeValue = fields["shape"]
    else {
      throw invalid(
        "the .npy header must have exactly the keys descr, fortran_order, shape; it has "
          + fields.keys.sorted().joined(separator: ", "))
    }
    let descr: NPYDescr
    switch descrValue {
    case .string(let s): descr = try NPYDescr(parsing: s)
    case .list: throw invalid("structured .npy dtypes (a list descr) are not supported")
    case .tuple: throw invalid("sub-array .npy dtypes (a tuple descr) are not supported")
    default: throw invalid("the .npy descr is a \(descrValue.typeName), not a string")
    }
    guard case .bool(let fortranOrder) = orderValue else {
      throw invalid("the .npy fortran_order is a \(orderValue.typeName), not a bool")
    }
    guard case .tuple(let dims) = shapeValue else {
      throw invalid("the .npy shape is a \(shapeValue.typeName), not a tuple")
    }
    guard dims.count <= maxDimensions else {
      throw invalid("the .npy shape has \(dims.count) dimensions; numpy allows \(maxDimensions)")
    }
    var shape: [Int] = []
    shape.reserveCapacity(dims.count)
    for dim in dims {
      guard case .int(let value) = dim else {
        throw invalid("the .npy shape has a dimension of type \(dim.typeName), not int")
      }
      guard let value else { throw invalid("the .npy shape has a dimension too large for Int") }
      guard value >= 0 else { throw invalid("the .npy shape has a negative dimension \(value)") }
      shape.append(value)
    }
    return NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape, dataOffset: 0)
  }

  /// The preamble and header numpy's `save` writes for a C-order array: version 1.0, or 2.0
  /// when the header does not fit a uint16 length.
  static func encode(dtype: DType, shape: [Int]) -> [UInt8] {
    var dict = "{'descr': '\(NPYDescr.string(for: dtype))', 'fortran_order': False, 'shape': "
    dict += shapeRepr(shape) + ", }"
    if let first = shape.first {
      dict += String(repeating: " ", count: max(0, growthDigits - String(first).utf8.count))
    }
    var text = Array(dict.utf8)
    let unpadded = text.count + 1  // with the final '\n'
    var lengthSize = 2
    var padding = alignment - (8 + lengthSize + unpadded) % alignment
    if unpadded + padding > Int(UInt16.max) {
      lengthSize = 4
      padding = alignment - (8 + lengthSize + unpadded) % alignment
    }
    text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
    text.append(UInt8(ascii: "\n"))
    var out = magic
    out.reserveCapacity(8 + lengthSize + text.count)
    out += [lengthSize == 2 ? 1 : 2, 0]
    let length = UInt32(truncatingIfNeeded: text.count)
    for i in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt32(i)))) }
    out += text
    return out
  }

  /// Python's `repr` of a tuple of ints: `()`, `(5,)`, `(3, 4)`.
  static func shapeRepr(_ shape: [Int]) -> String {
    if shape.count == 1 { return "(\(shape[0]),)" }
    return "(" + shape.map(String.init).joined(separator: ", ") + ")"
  }

  private static func invalid(_ message: String) -> PollenError {
    PollenError(.invalidTensor, message)
  }
}
