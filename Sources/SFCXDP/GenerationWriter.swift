// Swapping in a table generation. Every config table is an ARRAY_OF_MAPS
// with two slots and sfc_active[0] names the slot packets use; a packet
// reads it once. So: create fresh inner maps, fill them, put them in the
// slot packets do not use, then flip sfc_active in one write. Packets see
// the old generation or the new one, never a mix. The outer maps hold the
// inner maps; our fds are closed once they are in their slot.
import CLibBPF

struct GenerationWriter {
    let object: BPFObject

    /// The generation packets use now.
    func active() throws -> UInt32 {
        MapIO.lookupU32(try object.mapFD("sfc_active"), 0) ?? 0
    }

    /// Writes `image` into generation `target` and makes it the active one.
    /// `beforeFlip` runs once every inner map is in place, before the flip:
    /// by then no packet uses `target` (each outer-map update waited for
    /// running programs to finish), so it may write that slot's blocks of
    /// the non-generational maps (counters, proxy state, devmap).
    func install(_ image: TableImage, into target: UInt32, beforeFlip: () throws -> Void = {}) throws {
        // sfc_globals last: the program takes a slot with globals for a
        // whole generation (BPF/sfc_xdp.c).
        for name in TableImage.mapNames.filter({ $0 != "sfc_globals" }) + ["sfc_globals"] {
            let outer = try object.mapFD(name)
            guard let shape = object.innerShapes[name] else {
                throw XDPError(.mapMismatch, "map \(name) of \(object.path) is not an ARRAY_OF_MAPS with an inner map "
                               + "template (__array(values, ...)), as BPF/include/sfc_tables.h requires")
            }
            let entries = image.maps[name]?.entries ?? []
            guard entries.count <= Int(shape.maxEntries) else {
                throw XDPError(.configTooLarge, "\(name) needs \(entries.count) entries; the XDP map holds \(shape.maxEntries)")
            }
            let inner = try createInner(name, shape: shape, generation: target)
            defer { close(inner) }
            for entry in entries {
                guard entry.key.count == Int(shape.keySize), entry.value.count == Int(shape.valueSize) else {
                    throw XDPError(.mapMismatch, "\(name): the object's key/value sizes are \(shape.keySize)/\(shape.valueSize) bytes, "
                                   + "the host's \(entry.key.count)/\(entry.value.count): BPF/sfc_xdp.c and "
                                   + "BPF/include/sfc_tables.h disagree (rebuild with `make bpf`)")
                }
                try MapIO.update(inner, key: entry.key, value: entry.value, map: name)
            }
            var slot = target, fd = inner
            let err = bpf_map_update_elem(outer, &slot, &fd, UInt64(BPF_ANY))
            if err != 0 {
                throw XDPError(.mapUpdate, "cannot put the new \(name) into generation slot \(target): \(errnoText(errno))")
            }
        }
        try beforeFlip()
        try MapIO.update(try object.mapFD("sfc_active"), UInt32(0), target, map: "sfc_active")
    }

    private func createInner(_ name: String, shape: MapShape, generation: UInt32) throws -> Int32 {
        // Kernel map names hold 15 characters: "chains_g1", "class_keys_g0", ...
        let short = String(name.dropFirst(4).prefix(12)) + "_g\(generation)"
        let fd = sfc_bpf_map_create(shape.type, short, shape.keySize, shape.valueSize, shape.maxEntries, shape.flags)
        guard fd >= 0 else {
            throw XDPError(.mapUpdate, "cannot create a new inner map for \(name) (\(shape.type.rawValue) type, "
                           + "\(shape.maxEntries) entries): \(errnoText(fd)); is the kernel missing this map type or memory (ulimit -l)?")
        }
        return fd
    }
}

#if canImport(Glibc)
import Glibc
#endif
