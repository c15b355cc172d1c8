// Where each entry of an open-addressing table goes, for the tables the
// XDP program searches by linear probing instead of a kernel hash map: the
// (SPI, SI) paths (sfc_nsh_paths, home sfc_path_home) and the local SIDs
// (sfc_sids, home sfc_sid_home). The program probes from a key's home slot,
// at most `probes` slots, and stops at an empty one (BPF/sfc_nsh.h
// sfc_path_lookup, BPF/sfc_srv6.h sfc_sid_find). Robin Hood insertion (an
// entry farther from its home takes the slot of one nearer to its own)
// keeps the longest probe short and every run unbroken, so an empty slot
// ends a search correctly. The home functions are the C ones, so the loader
// and the program cannot disagree about where a key starts.
import CLibBPF
import SFCCore

enum SlotLayout {
    struct Overflow: Error {
        /// Probes the longest search would need.
        let probes: Int
    }

    /// key -> slot in a table of `size` slots (a power of two) for distinct
    /// `keys`, or the probes the longest search would need when that is
    /// more than `probes`.
    static func layout<Key: Hashable>(_ keys: [Key], size: Int, probes: Int, home: (Key) -> Int)
        -> Result<[Key: Int], Overflow> {
        let mask = size - 1
        var table = [(key: Key, distance: Int)?](repeating: nil, count: size)
        var longest = 0
        for key in keys {
            var current = (key: key, distance: 0)
            var slot = home(key) & mask
            while true {
                guard let resident = table[slot] else {
                    table[slot] = current
                    longest = max(longest, current.distance)
                    break
                }
                if resident.distance < current.distance {
                    table[slot] = current
                    longest = max(longest, current.distance)
                    current = resident
                }
                slot = (slot + 1) & mask
                current.distance += 1
            }
        }
        guard longest < probes else { return .failure(Overflow(probes: longest + 1)) }
        var slots: [Key: Int] = [:]
        slots.reserveCapacity(keys.count)
        for (slot, entry) in table.enumerated() {
            if let entry { slots[entry.key] = slot }
        }
        return .success(slots)
    }

    /// The sfc_nsh_paths layout of (SPI, SI) keys.
    static func paths(_ keys: [UInt32]) -> Result<[UInt32: Int], Overflow> {
        layout(keys, size: Int(SFC_PATH_SLOTS), probes: Int(SFC_PATH_PROBES)) { Int(sfc_path_home($0)) }
    }

    /// The sfc_sids layout of local SIDs and routed segments.
    static func sids(_ keys: [IPv6Address]) -> Result<[IPv6Address: Int], Overflow> {
        layout(keys, size: Int(SFC_SID_SLOTS), probes: Int(SFC_SID_PROBES)) { address in
            var key = sfc_sid_key()
            CBytes.copy(CBytes.ipv6(address), into: &key.addr)
            return Int(sfc_sid_home(&key))
        }
    }
}
