/// Model parameters: an ordered list of tensors.
///
/// Pollen keeps tensors decoded as ``NDArray``s; they become `.npy` bytes (Flower's
/// `"numpy.ndarray"` tensor type) only when they cross a wire.
public struct Parameters: Sendable, Hashable {
  /// The tensors, in model order.
  public var tensors: [NDArray]
  /// The tensor type Flower reports; Pollen reads and writes `"numpy.ndarray"`.
  public var tensorType: String

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
}
