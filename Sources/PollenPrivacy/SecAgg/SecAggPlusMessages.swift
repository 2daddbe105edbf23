import PollenCore

/// The binary payloads of the SecAgg+ stages (``SecAggPlusProtocol/payloadKey``), one request
/// and one reply per stage; little-endian, lengths prefixed, node ids are the round's secure ids.
enum SecAggPlusMessages {
  /// Setup: the round's parameters (Flower's `Key.SAMPLE_NUMBER`, `SHARE_NUMBER`, …).
  struct SetupRequest: Equatable {
    var secureID: UInt32
    var sampleCount: UInt32
    var numShares: UInt32
    var threshold: UInt32
    var clippingRange: Double
    var quantizationRange: UInt64
    var modulusRange: UInt64
    var maxWeight: Double
  }

  /// Setup reply: the raw X25519 public keys for masks (pk1) and for share encryption (pk2).
  struct SetupReply: Equatable {
    var pk1: [UInt8]
    var pk2: [UInt8]
  }

  /// A client's public keys as forwarded to its neighbours.
  struct PublicKeys: Equatable {
    var id: UInt32
    var pk1: [UInt8]
    var pk2: [UInt8]
  }

  /// Share keys: the public keys of the client's neighbours (itself included).
  struct ShareKeysRequest: Equatable { var keys: [PublicKeys] }

  /// An encrypted share bundle between two clients (`peer` is the destination in a reply and
  /// the source in a forward).
  struct Ciphertext: Equatable {
    var peer: UInt32
    var bytes: [UInt8]
  }

  /// Share keys reply: one ciphertext per neighbour.
  struct ShareKeysReply: Equatable { var ciphertexts: [Ciphertext] }

  /// Collect masked vectors: the ciphertexts other clients sent this one.
  struct CollectRequest: Equatable { var ciphertexts: [Ciphertext] }

  /// Collect reply: the layout of the (masked) update, whose values travel as one flat
  /// unsigned-integer tensor in `FitRes.parameters`: the weight, then every element in order.
  struct CollectReply: Equatable {
    var shapes: [[Int]]
    var dtypes: [DType]
  }

  /// Unmask: survivors whose mask seed shares, and dropped clients whose key shares, to send.
  struct UnmaskRequest: Equatable {
    var active: [UInt32]
    var dead: [UInt32]
  }

  /// Unmask reply: the requested shares, each with the id of the client it belongs to.
  struct UnmaskReply: Equatable {
    var shares: [(owner: UInt32, share: ShamirSecretSharing.Share)]

    static func == (a: Self, b: Self) -> Bool {
      a.shares.map(\.owner) == b.shares.map(\.owner) && a.shares.map(\.share) == b.shares.map(\.share)
    }
  }
}

extension SecAggPlusMessages.SetupRequest {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    for v in [secureID, sampleCount, numShares, threshold] { w.u32(v) }
    w.f64(clippingRange)
    w.u64(quantizationRange)
    w.u64(modulusRange)
    w.f64(maxWeight)
    return w.bytes
  }

  init(decoding bytes: [UInt8]) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: "setup")
    self.init(
      secureID: try r.u32(), sampleCount: try r.u32(), numShares: try r.u32(), threshold: try r.u32(),
      clippingRange: try r.f64(), quantizationRange: try r.u64(), modulusRange: try r.u64(),
      maxWeight: try r.f64())
    try r.finish()
  }
}

extension SecAggPlusMessages.SetupReply {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    w.data(pk1)
    w.data(pk2)
    return w.bytes
  }

  init(decoding bytes: [UInt8]) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: "setup reply")
    self.init(pk1: try r.data(), pk2: try r.data())
    try r.finish()
  }
}

extension SecAggPlusMessages.ShareKeysRequest {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    w.u32(UInt32(keys.count))
    for k in keys {
      w.u32(k.id)
      w.data(k.pk1)
      w.data(k.pk2)
    }
    return w.bytes
  }

  init(decoding bytes: [UInt8]) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: "share_keys")
    let n = try r.count(minimumItemBytes: 12)
    var keys: [SecAggPlusMessages.PublicKeys] = []
    for _ in 0..<n { keys.append(.init(id: try r.u32(), pk1: try r.data(), pk2: try r.data())) }
    try r.finish()
    self.init(keys: keys)
  }
}

extension [SecAggPlusMessages.Ciphertext] {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    w.u32(UInt32(count))
    for c in self {
      w.u32(c.peer)
      w.data(c.bytes)
    }
    return w.bytes
  }

  init(decoding bytes: [UInt8], context: String) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: context)
    let n = try r.count(minimumItemBytes: 8)
    var all: [SecAggPlusMessages.Ciphertext] = []
    for _ in 0..<n { all.append(.init(peer: try r.u32(), bytes: try r.data())) }
    try r.finish()
    self = all
  }
}

extension SecAggPlusMessages.CollectReply {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    w.u32(UInt32(shapes.count))
    for (shape, dtype) in zip(shapes, dtypes) {
      w.data(Array(dtype.rawValue.utf8))
      w.u32(UInt32(shape.count))
      for d in shape { w.u64(UInt64(d)) }
    }
    return w.bytes
  }

  init(decoding bytes: [UInt8]) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: "collect_masked_vectors reply")
    let n = try r.count(minimumItemBytes: 8)
    var shapes: [[Int]] = []
    var dtypes: [DType] = []
    for _ in 0..<n {
      let name = String(decoding: try r.data(), as: UTF8.self)
      guard let dtype = DType(rawValue: name) else {
        throw PollenError(.invalidMessage, "SecAgg+ collect_masked_vectors reply: unknown dtype \(name)")
      }
      let rank = try r.count(minimumItemBytes: 8)
      var shape: [Int] = []
      for _ in 0..<rank {
        let d = try r.u64()
        guard d <= UInt64(Int32.max) else {
          throw PollenError(.invalidMessage, "SecAgg+ collect_masked_vectors reply: dimension \(d) too large")
        }
        shape.append(Int(d))
      }
      shapes.append(shape)
      dtypes.append(dtype)
    }
    try r.finish()
    self.init(shapes: shapes, dtypes: dtypes)
  }
}

extension SecAggPlusMessages.UnmaskRequest {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    for list in [active, dead] {
      w.u32(UInt32(list.count))
      for id in list { w.u32(id) }
    }
    return w.bytes
  }

  init(decoding bytes: [UInt8]) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: "unmask")
    var lists: [[UInt32]] = []
    for _ in 0..<2 {
      let n = try r.count(minimumItemBytes: 4)
      var list: [UInt32] = []
      for _ in 0..<n { list.append(try r.u32()) }
      lists.append(list)
    }
    try r.finish()
    self.init(active: lists[0], dead: lists[1])
  }
}

extension SecAggPlusMessages.UnmaskReply {
  var encoded: [UInt8] {
    var w = SecAggByteWriter()
    w.u32(UInt32(shares.count))
    for (owner, share) in shares {
      w.u32(owner)
      w.u32(share.x)
      w.data(share.y)
    }
    return w.bytes
  }

  init(decoding bytes: [UInt8]) throws(PollenError) {
    var r = SecAggByteReader(bytes, context: "unmask reply")
    let n = try r.count(minimumItemBytes: 12)
    var shares: [(owner: UInt32, share: ShamirSecretSharing.Share)] = []
    for _ in 0..<n {
      let owner = try r.u32()
      shares.append((owner, ShamirSecretSharing.Share(x: try r.u32(), y: try r.data())))
    }
    try r.finish()
    self.init(shares: shares)
  }
}

extension SecAggPlusMessages.ShareKeysReply {
  var encoded: [UInt8] { ciphertexts.encoded }
  init(decoding bytes: [UInt8]) throws(PollenError) {
    self.init(ciphertexts: try [SecAggPlusMessages.Ciphertext](decoding: bytes, context: "share_keys reply"))
  }
}

extension SecAggPlusMessages.CollectRequest {
  var encoded: [UInt8] { ciphertexts.encoded }
  init(decoding bytes: [UInt8]) throws(PollenError) {
    self.init(
      ciphertexts: try [SecAggPlusMessages.Ciphertext](decoding: bytes, context: "collect_masked_vectors"))
  }
}
