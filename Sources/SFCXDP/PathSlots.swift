// The slot of every (SPI, SI) entry in the sfc_nsh_paths array: an
// open-addressing table the XDP program searches by linear probing from
// sfc_path_home(key), at most SFC_PATH_PROBES slots, stopping at an empty
// one (BPF/sfc_nsh.h sfc_path_lookup). Robin Hood insertion (an entry
// farther from its home takes the slot of one nearer to its own) keeps
// the longest probe short, and the runs unbroken, so an empty slot ends a
// search correctly. The home function is the C one, so the loader and the
// program cannot disagree about where a key starts.
import CLibBPF

enum PathSlots {
    /// key -> slot for every key, or the number of probes the longest
    /// search would need when that is more than the program makes.
    static func layout(_ keys: [UInt32]) -> Result<[UInt32: UInt32], Overflow> {
        let size = Int(SFC_PATH_SLOTS), mask = size - 1
        // Slot -> (key, distance from its home); nil when empty.
        var table = [(key: UInt32, distance: Int)?](repeating: nil, count: size)
        var longest = 0
        for key in keys {
            var current = (key: key, distance: 0)
            var slot = Int(sfc_path_home(key))
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
        guard longest < Int(SFC_PATH_PROBES) else { return .failure(Overflow(probes: longest + 1)) }
        var slots: [UInt32: UInt32] = [:]
        slots.reserveCapacity(keys.count)
        for (slot, entry) in table.enumerated() {
            if let entry { slots[entry.key] = UInt32(slot) }
        }
        return .success(slots)
    }

    struct Overflow: Error {
        let probes: Int
    }
}
