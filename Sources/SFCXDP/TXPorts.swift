// sfc_tx_ports, the devmap bpf_redirect_map sends by: one block of
// SFC_MAX_PORTS entries per generation slot (key = slot * SFC_MAX_PORTS +
// port, as sfc_gen_key in BPF/sfc_maps.h), so a reload that renumbers ports
// never redirects a packet of the old generation by the new numbering.
import CLibBPF
import SFCCore

struct TXPorts {
    let object: BPFObject

    static func key(slot: UInt32, port: Int) -> UInt32 { slot * UInt32(SFC_MAX_PORTS) + UInt32(port) }

    /// Writes slot `slot`'s block: in test mode the loopback for every port
    /// (so redirects resolve; BPF_PROG_RUN sends nothing), live each port's
    /// interface while its link is up; no entry otherwise.
    func write(slot: UInt32, image: TableImage, ports: Int, linkUp: [Bool], test: Bool) throws {
        let fd = try object.mapFD("sfc_tx_ports")
        let count = Int(SFC_MAX_PORTS)
        var wanted = [UInt32](repeating: 0, count: count)
        if test {
            for p in 0..<min(count, ports) { wanted[p] = Interfaces.loopback }
        } else {
            for entry in image.txPorts where Int(entry.port) < count && linkUp.indices.contains(Int(entry.port)) && linkUp[Int(entry.port)] {
                wanted[Int(entry.port)] = entry.ifindex
            }
        }
        for (port, ifindex) in wanted.enumerated() {
            var key = Self.key(slot: slot, port: port)
            if ifindex == 0 {
                _ = bpf_map_delete_elem(fd, &key)  // absent already is fine
            } else {
                try MapIO.update(fd, key, ifindex, map: "sfc_tx_ports")
            }
        }
    }
}
