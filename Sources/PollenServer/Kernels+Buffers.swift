import PollenCore
import Synchronization

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

extension Kernels {
  /// Large buffers kept for reuse, so the running sum and the average of a round after the first
  /// touch no new memory pages: on this kind of machine faulting in 80 MB of fresh pages costs
  /// more than folding ten 40 MB updates into them.
  ///
  /// Only buffers of at least ``minimumBytes`` are kept, at most ``maximumBuffers`` of them and
  /// ``maximumBytes`` in all; smaller or surplus ones are freed. A buffer is handed out again only
  /// for a request of at least three quarters of its size.
  enum BufferPool {
    /// Smaller buffers come from and go back to the allocator directly.
    static let minimumBytes = 1 << 20
    static let maximumBuffers = 8
    static let maximumBytes = 1 << 30

    /// A buffer no one uses: the pool owns it alone.
    private struct Entry: @unchecked Sendable {
      var pointer: UnsafeMutableRawPointer
      var capacity: Int
    }

    private static let available = Mutex<[Entry]>([])

    /// A buffer of at least `byteCount` bytes (64-byte aligned, contents undefined) and its
    /// capacity; give it back with ``recycle(_:capacity:)``.
    static func take(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int) {
      if byteCount >= minimumBytes {
        let reused = available.withLock { entries -> Entry? in
          guard
            let i = entries.indices.filter({
              entries[$0].capacity >= byteCount
                && entries[$0].capacity - entries[$0].capacity / 4 <= byteCount
            }).min(by: { entries[$0].capacity < entries[$1].capacity })
          else { return nil }
          return entries.remove(at: i)
        }
        if let reused { return (reused.pointer, reused.capacity) }
      }
      let capacity = max(byteCount, 1)
      return (UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64), capacity)
    }

    /// Keeps `pointer` for a later ``take(byteCount:)`` or frees it.
    static func recycle(_ pointer: UnsafeMutableRawPointer, capacity: Int) {
      guard capacity >= minimumBytes else { return pointer.deallocate() }
      let entry = Entry(pointer: pointer, capacity: capacity)
      let evicted = available.withLock { entries -> [Entry] in
        entries.append(entry)
        var out: [Entry] = []
        while entries.count > maximumBuffers || entries.reduce(0, { $0 + $1.capacity }) > maximumBytes {
          out.append(entries.removeFirst())
        }
        return out
      }
      for e in evicted { e.pointer.deallocate() }
    }

    /// The number of bytes held for reuse (for tests).
    static var pooledBytes: Int { available.withLock { $0.reduce(0) { $0 + $1.capacity } } }
  }

  /// A running sum's doubles in a pooled buffer (``BufferPool``), returned to the pool when the
  /// sum is dropped.
  ///
  /// Owned by one ``WeightedSum`` layer, which copies it before writing when it is shared (copy
  /// on write), so it is only ever written through a unique reference.
  final class Accumulator: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Double>
    private let capacity: Int

    /// `count` doubles, uninitialised: the first fold writes every element.
    init(count: Int) {
      self.count = count
      let buffer = BufferPool.take(byteCount: count * MemoryLayout<Double>.stride)
      capacity = buffer.capacity
      pointer = buffer.pointer.bindMemory(to: Double.self, capacity: count)
    }

    /// A copy of `other`.
    convenience init(copying other: Accumulator) {
      self.init(count: other.count)
      pointer.update(from: other.pointer, count: count)
    }

    /// The elements as an array.
    var doubles: [Double] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    deinit { BufferPool.recycle(UnsafeMutableRawPointer(pointer), capacity: capacity) }
  }

  /// An array of `dtype` and `shape` whose `count` elements `fill` writes, in a pooled buffer that
  /// goes back to the pool when the array's bytes are released.
  static func makePooledArray<T: NDArrayScalar>(
    _ type: T.Type, shape: [Int], count: Int, fill: (UnsafeMutablePointer<T>) -> Void
  ) -> NDArray {
    let byteCount = count * MemoryLayout<T>.stride
    guard byteCount >= BufferPool.minimumBytes else {
      let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        if let base = buffer.baseAddress { fill(base) }
        initialized = count
      }
      return NDArray(values, shape: shape)
    }
    let buffer = BufferPool.take(byteCount: byteCount)
    fill(buffer.pointer.bindMemory(to: T.self, capacity: count))
    let capacity = buffer.capacity
    let data = Data(
      bytesNoCopy: buffer.pointer, count: byteCount,
      deallocator: .custom { pointer, _ in BufferPool.recycle(pointer, capacity: capacity) })
    return try! NDArray(dtype: T.dtype, shape: shape, bytes: data)
  }
}
