import PollenCore

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// One serialized array, as Flower 1.41's `Array` (`flwr/app/message/array.py`): the bytes plus
/// the dtype, shape and serialization type that describe them.
///
/// For `stype` `"numpy.ndarray"` (``numpyStype``, what `Array(ndarray)` and `Array(torch_tensor)`
/// make) ``data`` is the `.npy` file `numpy.save(..., allow_pickle=False)` writes; ``init(_:)`` and
/// ``ndarray()`` convert with PollenCore's `NDArray`. Other `stype`s are carried as they are.
///
/// Deflated, an array is one `Array` object whose body is the JSON
/// `{"dtype": …, "shape": […], "stype": …, "arraychunk_ids": […]}` and whose children are the
/// distinct `ArrayChunk` objects that ``data`` is cut into: slices of ``maxChunkSize`` bytes in
/// order, the last one shorter (none for empty data). `arraychunk_ids` lists, for each slice, its
/// index among the head's children, so equal slices (runs of zeros) are stored once
/// (`Array.slice_array` and `Array.deflate`).
public struct FlowerArray: Sendable, Hashable, FlowerInflatable {
  /// The element type as its name, e.g. `"float32"` (`str(ndarray.dtype)`).
  public var dtype: String
  /// The dimensions.
  public var shape: [Int]
  /// How ``data`` was serialized, e.g. ``numpyStype``.
  public var stype: String
  /// The serialized array.
  public var data: Data

  /// An array with these fields, taken as they are.
  public init(dtype: String, shape: [Int], stype: String, data: Data) {
    self.dtype = dtype
    self.shape = shape
    self.stype = stype
    self.data = data
  }

  /// `ndarray` as Flower's `Array.from_numpy_ndarray` stores it: its dtype and shape, stype
  /// ``numpyStype`` and its `.npy` bytes (byte for byte what `numpy.save` writes).
  public init(_ ndarray: NDArray) {
    self.init(
      dtype: ndarray.dtype.rawValue, shape: ndarray.shape, stype: Self.numpyStype, data: ndarray.npy())
  }

  /// The `stype` of arrays serialized by `numpy.save` (`SType.NUMPY` in `flwr/common/constant.py`).
  public static let numpyStype = "numpy.ndarray"

  /// The largest `ArrayChunk`: `FLWR_PRIVATE_MAX_ARRAY_CHUNK_SIZE` in `flwr/common/constant.py`,
  /// 5 MiB unless that environment variable says otherwise.
  public static let maxChunkSize = 5 * 1024 * 1024

  /// The array decoded from its `.npy` bytes, as Flower's `Array.numpy()`.
  ///
  /// - Throws: `PollenError` (`invalidTensor`) if ``stype`` is not ``numpyStype``, the data is not
  ///   a `.npy` array PollenCore reads, or its dtype or shape differ from ``dtype`` and ``shape``.
  public func ndarray() throws -> NDArray {
    guard stype == Self.numpyStype else {
      throw PollenError(.invalidTensor, "array of stype \"\(stype)\" is not a numpy array")
    }
    let array = try NDArray(npy: data)
    guard array.dtype.rawValue == dtype, array.shape == shape else {
      throw PollenError(
        .invalidTensor,
        "array declared as \(dtype) \(shape) holds \(array.dtype.rawValue) \(array.shape)")
    }
    return array
  }

  public static var objectType: InflatableObjectType { .array }

  /// Adds the `ArrayChunk` objects and then the `Array` object; returns the array's ID.
  public func deflate(into objects: inout DeflatedObjects) -> String {
    var children: [String] = []
    var indices: [PythonJSON.Value] = []
    var position: [String: Int] = [:]
    var start = data.startIndex
    while start < data.endIndex {
      let end = data.index(start, offsetBy: Self.maxChunkSize, limitedBy: data.endIndex) ?? data.endIndex
      let id = objects.insert(InflatableObject(type: .arrayChunk, children: [], body: data[start..<end]))
      if position[id] == nil {
        position[id] = children.count
        children.append(id)
      }
      indices.append(.integer(position[id]!))
      start = end
    }
    let body = PythonJSON.dumps(
      .object([
        ("dtype", .string(dtype)),
        ("shape", .array(shape.map { .integer($0) })),
        ("stype", .string(stype)),
        ("arraychunk_ids", .array(indices)),
      ]))
    return objects.insert(InflatableObject(type: .array, children: children, body: body))
  }

  /// Reads an `Array` object and its chunks, as Flower's `Array.inflate`: the body has exactly the
  /// keys `dtype` (a string), `shape` (non-negative integers), `stype` (a string) and
  /// `arraychunk_ids` (indices into the head's children); every child is used, and ``data`` is the
  /// chunks concatenated in `arraychunk_ids` order.
  public init(inflating id: String, from reader: inout ObjectReader) throws(InflatableObjectError) {
    let object = try reader.object(id, ofType: .array)
    func invalid(_ reason: String) -> InflatableObjectError {
      .invalidBody(id: id, type: .array, reason: reason)
    }
    let fields: [(key: String, value: PythonJSON.Value)]
    switch PythonJSON.loadObject(object.body) {
    case .success(let parsed): fields = parsed
    case .failure(let error): throw invalid(error.description)
    }
    let expected = ["dtype", "shape", "stype", "arraychunk_ids"]
    guard Set(fields.map(\.key)) == Set(expected) else {
      throw invalid("keys \(fields.map(\.key)), expected \(expected)")
    }
    let values = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) })
    guard case .string(let dtype) = values["dtype"]!, case .string(let stype) = values["stype"]! else {
      throw invalid("dtype and stype must be strings")
    }
    guard case .array(let dimensions) = values["shape"]!,
      case .array(let chunkIndices) = values["arraychunk_ids"]!
    else { throw invalid("shape and arraychunk_ids must be lists") }
    var shape: [Int] = []
    for dimension in dimensions {
      guard case .integer(let n) = dimension, n >= 0 else {
        throw invalid("shape is not a list of non-negative integers")
      }
      shape.append(n)
    }
    var chunkIDs: [String] = []
    for index in chunkIndices {
      guard case .integer(let i) = index, object.children.indices.contains(i) else {
        throw invalid("arraychunk_ids entry out of range of the \(object.children.count) children")
      }
      chunkIDs.append(object.children[i])
    }
    guard Set(chunkIDs) == Set(object.children) else {
      throw .childrenMismatch(id: id, reason: "arraychunk_ids does not use every child in the head")
    }
    var data = Data()
    for chunkID in chunkIDs {
      let chunk = try reader.object(chunkID, ofType: .arrayChunk)
      guard chunk.children.isEmpty else {
        throw .childrenMismatch(id: chunkID, reason: "an ArrayChunk has no children")
      }
      data.append(chunk.body)
    }
    self.init(dtype: dtype, shape: shape, stype: stype, data: data)
  }
}
