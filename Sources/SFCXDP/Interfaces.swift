// The kernel interface behind each port (`interface:` in the chain file).
import SFCCore
#if canImport(Glibc)
import Glibc
#endif

public enum Interfaces {
    /// ifindex per port, 0 for ports without an interface; a named
    /// interface that does not exist is an error naming the port.
    public static func resolve(_ config: CompiledConfig) throws -> [UInt32] {
        try config.ports.map { port in
            guard let name = port.interface else { return 0 }
            let index = if_nametoindex(name)
            guard index != 0 else {
                throw XDPError(.interfaceMissing, "port \(port.name): interface \(name) does not exist "
                               + "(`ip link show` lists this host's interfaces; fix `interface:` in the chain file)")
            }
            return index
        }
    }

    /// The loopback interface: stands in for ports without an interface in
    /// sfc_tx_ports when nothing is attached (BPF_PROG_RUN), so that
    /// bpf_redirect_map finds an entry and returns XDP_REDIRECT; no packet
    /// is sent in that mode.
    public static var loopback: UInt32 { if_nametoindex("lo") }
}
