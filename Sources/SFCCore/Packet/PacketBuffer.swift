// A packet as every stage sees it: a window [headroom, headroom + length)
// into a buffer it does not own. The DPDK dataplane points it at an mbuf's
// data room (headroom == data_off); the reference pipeline at a slot of a
// PacketBatch. Push and pop move the window; the payload never moves.

public struct PacketBuffer {
    public var base: UnsafeMutableRawPointer
    public var capacity: Int
    public var headroom: Int
    public var length: Int

    @inline(__always)
    public init(base: UnsafeMutableRawPointer, capacity: Int, headroom: Int, length: Int) {
        self.base = base; self.capacity = capacity; self.headroom = headroom; self.length = length
    }

    /// First byte of the packet.
    @inline(__always) public var data: UnsafeMutableRawPointer { base + headroom }

    /// Grows the packet at the front by `count` bytes (like rte_pktmbuf_prepend).
    /// When the headroom is too small (DPDK drivers leave 128 bytes; a long
    /// SRv6 segment list needs more) the packet is moved back inside its own
    /// buffer first, if the tailroom allows: a copy, but on a rare path, and
    /// every dataplane then sends the same bytes. Returns false, changing
    /// nothing, when the buffer cannot hold the result.
    @inline(__always)
    public mutating func prepend(_ count: Int) -> Bool {
        if count > headroom && !makeHeadroom(count) { return false }
        headroom -= count
        length += count
        return true
    }

    /// Moves the packet towards the end of the buffer so that at least
    /// `count` bytes of headroom exist (plus room for an Ethernet header and
    /// a tag when the tailroom allows).
    @inline(never)
    mutating func makeHeadroom(_ count: Int) -> Bool {
        let tailroom = capacity - headroom - length
        let needed = count - headroom
        guard needed <= tailroom else { return false }
        let shift = min(tailroom, needed + EthernetHeader.size + EthernetHeader.tagSize)
        (base + headroom + shift).copyMemory(from: base + headroom, byteCount: length)  // memmove semantics
        headroom += shift
        return true
    }

    /// Removes `count` bytes from the front (like rte_pktmbuf_adj).
    @inline(__always)
    public mutating func adjust(_ count: Int) -> Bool {
        guard count <= length else { return false }
        headroom += count
        length -= count
        return true
    }

    /// Removes `count` bytes from the end (like rte_pktmbuf_trim).
    @inline(__always)
    public mutating func trim(_ count: Int) -> Bool {
        guard count <= length else { return false }
        length -= count
        return true
    }

    /// Copies the packet out; for tests and tools, never the fast path.
    public var bytes: [UInt8] { Array(UnsafeRawBufferPointer(start: data, count: length)) }
}
