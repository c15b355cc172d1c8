// A burst of packets with their per-packet metadata, allocated once.
// The reference pipeline and chain-trace run over these; the DPDK dataplane
// fills the same PacketBuffer/PacketMeta arrays from its mbufs.

public enum Verdict: UInt8, Sendable {
    case pending = 0
    case forward = 1
    case drop = 2
    /// Taken by the forwarder itself (a liveness probe coming back): neither
    /// sent nor a drop.
    case consumed = 3
}

/// What the pipeline did to one packet, in order (at most 4 steps per pass).
/// Fixed-size so that recording a step never allocates.
public struct StepTrace: Sendable {
    public var count: UInt8 = 0
    public var steps: (Step, Step, Step, Step) = (.none, .none, .none, .none)

    @inline(__always)
    public mutating func record(_ step: Step) {
        switch count {
        case 0: steps.0 = step
        case 1: steps.1 = step
        case 2: steps.2 = step
        case 3: steps.3 = step
        default: return
        }
        count += 1
    }

    public var all: [Step] {
        let list = [steps.0, steps.1, steps.2, steps.3]
        return Array(list.prefix(Int(count)))
    }
}

// Step (the behaviours the pipeline can apply, named as chain-trace prints
// them) is generated from BPF/include/sfc_steps.h.

public struct PacketMeta: Sendable {
    public var ingress: Int32 = 0
    public var verdict: Verdict = .pending
    public var dropReason: DropReason? = nil
    /// Valid when verdict == .forward.
    public var egressPort: Int32 = -1
    /// Chain and hop position the packet belongs to, -1 when unknown.
    public var chain: Int32 = -1
    public var hop: Int32 = -1
    /// Instance chosen for the hop, -1 when none.
    public var instance: Int32 = -1
    public var trace = StepTrace()

    public init(ingress: Int32 = 0) { self.ingress = ingress }
}

public final class PacketBatch {
    public static let defaultHeadroom = 256
    public static let defaultSlotSize = 256 + 9216

    public let capacity: Int
    public let slotSize: Int
    public let headroom: Int
    public var count: Int = 0
    public let packets: UnsafeMutablePointer<PacketBuffer>
    public let meta: UnsafeMutablePointer<PacketMeta>
    /// nil for a batch over external buffers (DPDK mbufs).
    private let storage: UnsafeMutableRawPointer?

    public init(capacity: Int = 32, slotSize: Int = PacketBatch.defaultSlotSize, headroom: Int = PacketBatch.defaultHeadroom) {
        self.capacity = capacity
        self.slotSize = slotSize
        self.headroom = headroom
        let storage = UnsafeMutableRawPointer.allocate(byteCount: capacity * slotSize, alignment: 64)
        self.storage = storage
        packets = UnsafeMutablePointer<PacketBuffer>.allocate(capacity: capacity)
        meta = UnsafeMutablePointer<PacketMeta>.allocate(capacity: capacity)
        for i in 0..<capacity {
            (packets + i).initialize(to: PacketBuffer(base: storage + i * slotSize, capacity: slotSize, headroom: headroom, length: 0))
            (meta + i).initialize(to: PacketMeta())
        }
    }

    /// A batch whose packets live in buffers someone else owns: the caller
    /// sets `count`, points `packets[i]` at each buffer and resets `meta[i]`
    /// before every `Pipeline.process`, then reads the windows back.
    public init(externalCapacity capacity: Int) {
        self.capacity = capacity
        slotSize = 0
        headroom = 0
        storage = nil
        packets = UnsafeMutablePointer<PacketBuffer>.allocate(capacity: capacity)
        meta = UnsafeMutablePointer<PacketMeta>.allocate(capacity: capacity)
        for i in 0..<capacity {
            (packets + i).initialize(to: PacketBuffer(base: Self.emptyBase, capacity: 0, headroom: 0, length: 0))
            (meta + i).initialize(to: PacketMeta())
        }
    }

    /// Where unused external slots point (never read: their length is 0).
    nonisolated(unsafe) private static let emptyBase = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    deinit {
        packets.deinitialize(count: capacity); packets.deallocate()
        meta.deinitialize(count: capacity); meta.deallocate()
        storage?.deallocate()
    }

    public func reset() { count = 0 }

    /// Appends a copy of `bytes` as a packet received on `ingress`.
    /// Returns false when the batch is full or the packet does not fit a slot.
    @discardableResult
    public func append(_ bytes: [UInt8], ingress: Int) -> Bool {
        guard let storage, count < capacity, bytes.count <= slotSize - headroom else { return false }
        let slot = storage + count * slotSize
        bytes.withUnsafeBytes { src in
            if let b = src.baseAddress { (slot + headroom).copyMemory(from: b, byteCount: bytes.count) }
        }
        packets[count] = PacketBuffer(base: slot, capacity: slotSize, headroom: headroom, length: bytes.count)
        meta[count] = PacketMeta(ingress: Int32(ingress))
        count += 1
        return true
    }

    public func bytes(at index: Int) -> [UInt8] { packets[index].bytes }
}
