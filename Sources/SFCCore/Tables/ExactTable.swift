// A read-only exact-match table for the per-packet lookups ((SPI, SI),
// (port, VLAN), SIDs). Built once from a dictionary; looked up with a cheap
// integer hash and linear probing instead of Dictionary's SipHash, which
// cost a tenth of the instructions per packet.

public protocol ExactKey: Hashable, Sendable {
    /// A well-mixed 32-bit hash (cheap: no seeding, no streaming hasher).
    var tableHash: UInt32 { get }
}

extension UInt32: ExactKey {
    @inline(__always) public var tableHash: UInt32 { FlowHash.fmix32(self) }
}

extension IPv6Address: ExactKey {
    /// Two multiplies and a fold, so that a difference in any bit of either
    /// word reaches the low bits a table masks: every IPv6 packet looks its
    /// destination up in the local SIDs, End packets twice. Only configured
    /// keys fill the table, so a packet's address cannot lengthen a probe
    /// beyond their clustering (ExactTableTests hold it to SID layouts).
    @inline(__always) public var tableHash: UInt32 {
        let x = (hi &* 0x9E37_79B9_7F4A_7C15) ^ lo
        return UInt32(truncatingIfNeeded: ((x ^ x >> 32) &* 0xBF58_476D_1CE4_E5B9) >> 32)
    }
}

public struct ExactTable<Key: ExactKey, Value: Sendable>: Sendable {
    /// Slot -> index into the entries, -1 when empty. At least twice as many
    /// slots as entries, a power of two.
    let slots: [Int32]
    let mask: Int
    public let keys: [Key]
    public let values: [Value]

    public init(_ dictionary: [Key: Value]) {
        var size = 16
        while size < dictionary.count * 2 { size <<= 1 }
        var slots = [Int32](repeating: -1, count: size)
        var keys: [Key] = [], values: [Value] = []
        keys.reserveCapacity(dictionary.count); values.reserveCapacity(dictionary.count)
        for (key, value) in dictionary {
            var slot = Int(key.tableHash) & (size - 1)
            while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
            slots[slot] = Int32(keys.count)
            keys.append(key)
            values.append(value)
        }
        self.slots = slots
        self.mask = size - 1
        self.keys = keys
        self.values = values
    }

    public var count: Int { keys.count }

    /// The entry index of `key` in `keys` / `values`, or -1.
    @inline(__always)
    public func index(of key: Key) -> Int {
        var slot = Int(key.tableHash) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 || keys[index] == key { return index }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    public subscript(key: Key) -> Value? {
        let index = index(of: key)
        return index < 0 ? nil : values[index]
    }
}
