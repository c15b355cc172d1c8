// The chain file's `dpdk:` section: how the DPDK dataplane starts and which
// device backs each logical port. Plain values; SFCDPDK turns them into EAL
// arguments and port setups.

public struct DPDKConfig: Sendable, Equatable {
    public enum Hugepages: String, Sendable, Equatable, CaseIterable {
        /// Use hugepages when the system has them, else fall back to --no-huge and say so.
        case auto
        case on
        case off
    }

    /// Logical cores for the forwarding loops (the first one also runs the main thread).
    public var lcores: [Int]
    public var hugepages: Hugepages
    /// Memory for EAL in MiB (`-m`), used with or without hugepages.
    public var memoryMB: Int
    /// Extra EAL arguments, passed through as they are.
    public var ealArguments: [String]
    /// One entry per logical port, in the order of `CompiledConfig.ports`
    /// (nil where a port has no DPDK device).
    public var ports: [DPDKPortConfig?]

    public init(lcores: [Int] = [0], hugepages: Hugepages = .auto, memoryMB: Int = 512,
                ealArguments: [String] = [], ports: [DPDKPortConfig?] = []) {
        self.lcores = lcores; self.hugepages = hugepages; self.memoryMB = memoryMB
        self.ealArguments = ealArguments; self.ports = ports
    }
}

public struct DPDKPortConfig: Sendable, Equatable {
    /// A PCI address (`0000:01:00.0`) or a virtual device string
    /// (`net_af_packet0,iface=veth0`, `net_pcap0,rx_pcap=in.pcap`, `net_ring0`, `net_null0`, ...).
    public var device: String
    public var rxDescriptors: Int
    public var txDescriptors: Int

    public init(device: String, rxDescriptors: Int = 1024, txDescriptors: Int = 1024) {
        self.device = device; self.rxDescriptors = rxDescriptors; self.txDescriptors = txDescriptors
    }

    /// The kernel interface a virtual device sits on: the `iface=` argument of
    /// net_af_packet / net_af_xdp ("net_af_packet0,iface=eth1,qpairs=2"), nil
    /// for devices that have none.
    public var kernelInterface: String? {
        device.split(separator: ",").dropFirst().first { $0.hasPrefix("iface=") }.map { String($0.dropFirst("iface=".count)) }
    }

    /// True for a PCI address, false for a virtual device.
    public var isPCI: Bool {
        let parts = device.split(separator: ":")
        return parts.count >= 2 && device.contains(".") && !device.hasPrefix("net_")
    }

    /// The vdev's name (`net_af_packet0`), or the PCI address.
    public var name: String { String(device.split(separator: ",").first ?? Substring(device)) }
}
