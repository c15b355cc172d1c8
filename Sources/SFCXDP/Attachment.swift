// Attaching the program to the ports' interfaces, by netlink: the
// attachment belongs to the interface, not to this process, so forwarding
// goes on after the daemon exits (--leave-running) until detached.
import CLibBPF
import Logging
import SFCCore

public struct XDPAttachment: Sendable, Equatable {
    public enum Mode: String, Sendable {
        case native, generic
        var flags: UInt32 { self == .native ? UInt32(XDP_FLAGS_DRV_MODE) : UInt32(XDP_FLAGS_SKB_MODE) }
    }
    public var port: String
    public var interface: String
    public var ifindex: UInt32
    public var mode: Mode

    /// Native (driver) mode, or generic (skb) mode with a warning when the
    /// driver has no XDP support.
    static func attach(programFD: Int32, port: String, interface: String, ifindex: UInt32, logger: Logger) throws -> XDPAttachment {
        let native = sfc_bpf_xdp_attach(Int32(ifindex), programFD, Mode.native.flags)
        if native == 0 { return XDPAttachment(port: port, interface: interface, ifindex: ifindex, mode: .native) }
        // Also the way when an earlier run left a generic-mode program there
        // (the kernel refuses native next to it): attaching replaces it.
        let generic = sfc_bpf_xdp_attach(Int32(ifindex), programFD, Mode.generic.flags)
        if generic == 0 {
            logger.warning("port \(port): native XDP refused on \(interface) (\(errnoText(native))); attached in generic mode, which is slower")
            return XDPAttachment(port: port, interface: interface, ifindex: ifindex, mode: .generic)
        }
        throw XDPError(.attachFailed, "port \(port): cannot attach XDP to \(interface): native mode \(errnoText(native)), "
                       + "generic mode \(errnoText(generic))")
    }

    /// Removes the program from the interface (if it is still ours there).
    func detach() -> Int32 { sfc_bpf_xdp_detach(Int32(ifindex), mode.flags) }

    /// The id of the program attached in this mode now (0: none).
    var attachedProgramID: UInt32 {
        var id: UInt32 = 0
        _ = sfc_bpf_xdp_query_id(Int32(ifindex), mode.flags, &id)
        return id
    }
}
