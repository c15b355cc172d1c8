// Empties what packets leave behind in the maps (the End.AD caches, the NSH
// proxy's per-flow headers and, on request, the flow affinity table), so
// that the next packet meets the program as freshly loaded: the xdp-diff
// fuzz target compares one packet at a time with a fresh reference
// Pipeline. One batched update per map (array maps support it).
import CLibBPF
import SFCCore

extension XDPDataplane {
    /// - Parameter affinity: also the whole affinity table (1 MiB: only
    ///   worth it when a packet wrote an entry, i.e. counted an affinity event).
    public func clearPacketState(affinity: Bool) throws {
        let slot = Int(try activeGeneration & 1)
        try zeroEntries("sfc_proxy_cache", first: slot * Int(SFC_MAX_PROXY_CACHES), count: tables.cacheSlots)
        let perState = Int(SFC_MAX_NSH_PROXY_BLOCKS) * Int(SFC_NSH_PROXY_FLOWS)
        try zeroEntries("sfc_nsh_proxy_state", first: slot * perState, count: tables.nshProxyStateSlots)
        if affinity {
            try zeroEntries("sfc_affinity", first: 0, count: Int(SFC_AFFINITY_SETS) * Int(SFC_AFFINITY_WAYS))
        }
    }

    private func zeroEntries(_ name: String, first: Int, count: Int) throws {
        guard count > 0 else { return }
        let fd = try object.mapFD(name)
        let size = Int(try object.valueSize(name))
        let keys = (0..<count).map { UInt32(first + $0) }
        let values = [UInt8](repeating: 0, count: count * size)
        var n = UInt32(count)
        let err = keys.withUnsafeBytes { k in values.withUnsafeBytes { v in bpf_map_update_batch(fd, k.baseAddress, v.baseAddress, &n, nil) } }
        if err != 0 || n != UInt32(count) {
            throw XDPError(.mapUpdate, "cannot empty \(count) entries of \(name) from \(first): \(errnoText(errno)) (\(n) written)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
