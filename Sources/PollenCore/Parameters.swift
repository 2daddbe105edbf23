/// Model parameters: an ordered list of tensors.
///
/// Pollen keeps tensors decoded as ``NDArray``s; they become `.npy` bytes (Flower's
/// `"numpy.ndarray"` tensor type) only when they cross a wire.
///
/// Every copy of a `Parameters` value shares one ``EncodingCache``: a transport encodes the
/// tensors once (``encoding(_:_:)``) and every client's instruction that carries the same value
/// reuses those bytes, so a round costs one encoded copy of the model however many clients it
/// has. Changing ``tensors`` or ``tensorType`` starts a fresh cache. The cache takes no part in
/// equality or hashing.
public struct Parameters: Sendable, Hashable {
  /// The tensors, in model order.
  public var tensors: [NDArray] {
    didSet { encodings = EncodingCache() }
  }
  /// The tensor type Flower reports; Pollen reads and writes `"numpy.ndarray"`.
  public var tensorType: String {
    didSet { encodings = EncodingCache() }
  }
  /// Encoded forms of these tensors, shared by every copy of this value.
  public private(set) var encodings = EncodingCache()

  public init(tensors: [NDArray], tensorType: String = Parameters.numpyTensorType) {
    self.tensors = tensors
    self.tensorType = tensorType
  }

  /// Flower's tensor type for `.npy`-encoded arrays.
  public static let numpyTensorType = "numpy.ndarray"

  /// No tensors.
  public static let empty = Parameters(tensors: [])

  /// Total number of elements over all tensors.
  public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

  /// Total number of payload bytes over all tensors.
  public var byteCount: Int { tensors.reduce(0) { $0 + $1.bytes.count } }

  /// The encoding of these parameters of type `Encoding`, made by `make` the first time it is
  /// asked for (by any copy of this value) and shared afterwards.
  public func encoding<Encoding: Sendable>(_ type: Encoding.Type, _ make: (Parameters) -> Encoding)
    -> Encoding
  {
    encodings.value(type) { make(self) }
  }

  public static func == (lhs: Parameters, rhs: Parameters) -> Bool {
    lhs.tensorType == rhs.tensorType && lhs.tensors == rhs.tensors
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(tensors)
    hasher.combine(tensorType)
  }
}
