/// An answer to one Fleet API request: a status, a content type and a body.
public struct FleetResponse: Sendable, Hashable {
  /// The HTTP status.
  public var status: Int
  /// `application/protobuf` for results, `application/json` for errors.
  public var contentType: String
  /// The body.
  public var body: [UInt8]

  /// A 200 response with a serialized protobuf message (an empty message is a 0-byte body).
  public static func protobuf(_ body: [UInt8]) -> FleetResponse {
    FleetResponse(status: 200, contentType: "application/protobuf", body: body)
  }

  /// An error response with the JSON body Flower's SuperLink sends.
  public static func error(_ error: FleetError) -> FleetResponse {
    FleetResponse(status: error.status, contentType: "application/json", body: error.jsonBody)
  }
}
