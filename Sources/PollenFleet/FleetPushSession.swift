#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// A reply being pushed: the objects push-messages asked for and those already in.
///
/// Flower's SuperLink keeps such sessions for 180 s, refreshed per object
/// (`flwr/supercore/corestate/in_memory_corestate.py`); here a session ends when the reply is
/// complete, malformed, or its node goes away.
struct FleetPushSession: Sendable {
  /// The node pushing.
  var nodeID: UInt64
  /// The reply's `Message` object ID (the tree's root).
  var rootID: String
  /// The instruction it replies to.
  var replyTo: String
  /// IDs still to come.
  var pending: Set<String>
  /// Contents received (or already held) so far.
  var contents: [String: Data]
}
