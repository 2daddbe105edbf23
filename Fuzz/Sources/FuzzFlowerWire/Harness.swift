import PollenClient
import PollenCore
import PollenFlowerProto

/// One input, read both as a client's `ClientMessage` and as a server's `ServerMessage`.
///
/// Beyond "no crash", checks what the server relies on: the reply kind read from the field tags
/// alone (before decoding) is the kind the full decoder finds, and whatever decodes re-encodes
/// to the same value.
func fuzz(_ bytes: UnsafeRawBufferPointer) {
  let input = Array(bytes)
  let kind = try? FlowerWire.replyKind(input)
  if let reply = try? FlowerWire.decodeReply(input) {
    if let kind, kind != reply.kind {
      fatalError("framing scan says \(kind), decoder found \(reply.kind)")
    }
    guard let again = try? FlowerWire.decodeReply(FlowerWire.encode(reply)) else {
      fatalError("a decoded reply does not decode after re-encoding: \(reply)")
    }
    if again != reply, !"\(reply)".lowercased().contains("nan") {
      fatalError("re-encoded reply differs: \(reply) vs \(again)")
    }
  }
  if let instruction = try? FlowerWire.decodeInstruction(input) {
    guard let again = try? FlowerWire.decodeInstruction(FlowerWire.encode(instruction)) else {
      fatalError("a decoded instruction does not decode after re-encoding: \(instruction)")
    }
    if again != instruction, !"\(instruction)".lowercased().contains("nan") {
      fatalError("re-encoded instruction differs: \(instruction) vs \(again)")
    }
  }
}
