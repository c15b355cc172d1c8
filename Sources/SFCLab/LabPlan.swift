// The plan: a chain file with a `lab:` section turned into namespaces and
// veth pairs. Nothing runs here; Topology, VNFSetup and the forwarder act
// on it, and `down` uses it to find what a killed run left behind.
import Foundation
import SFCConfig
import SFCCore
import SFCLabConfig

public struct LabPlan: Sendable {
    public static let namespacePrefix = "sfc-lab-"
    public static let pinRoot = "/sys/fs/bpf/sfc"

    /// One veth pair: `port`'s interface in the forwarder's namespace, `peer` in `namespace`.
    public struct Veth: Sendable {
        public var port: String
        public var sffInterface: String
        public var sffMAC: MACAddress
        public var mtu: Int
        public var namespace: String
        public var peerInterface: String
        public var peerMAC: MACAddress
        /// Set for the link of a scaled vnf (lab scale:): the peer's name while it waits,
        /// down, in the forwarder's namespace (the port exists from the start: DPDK cannot add one on reload).
        public var parked: String? = nil
    }

    public struct HostPlan: Sendable {
        public var host: LabDescription.Host
        public var namespace: String
        public var portMAC: MACAddress
    }

    public struct LinkPlan: Sendable {
        public var link: LabDescription.Link
        public var interface: String
        public var portMAC: MACAddress
    }

    public struct VNFPlan: Sendable {
        public var vnf: LabDescription.VNF
        public var namespace: String
        public var links: [LinkPlan]
        /// A vnf serving a scaled function: its namespace exists only while the VNF manager runs it.
        public var managed: Bool = false
    }

    public var chainFile: String
    public var config: CompiledConfig
    public var lab: LabDescription
    public var node: String
    public var sffNamespace: String
    public var veths: [Veth]
    public var hosts: [HostPlan]
    public var vnfs: [VNFPlan]

    /// Every namespace the lab may have (for `down`), the managed vnfs' included.
    public var namespaces: [String] { [sffNamespace] + hosts.map(\.namespace) + vnfs.map(\.namespace) }
    /// The namespaces `up` creates: the managed vnfs' come and go with the VNF manager.
    public var initialNamespaces: [String] { [sffNamespace] + hosts.map(\.namespace) + vnfs.filter { !$0.managed }.map(\.namespace) }
    public var pinDirectory: String { LabPlan.pinRoot + "/" + node }
    public var sffInterfaces: [String] { veths.map(\.sffInterface) }

    public static func namespace(_ name: String) -> String { namespacePrefix + name }

    /// Reads the chain file; errors (and the file's own diagnostics) are thrown.
    /// `prefix` names the namespaces (the soak's are `sfc-soak-*`, apart from the demo's and the tests').
    public static func load(chainFile: String, prefix: String = namespacePrefix) throws -> LabPlan {
        let (config, lab, diagnostics) = LabChainFile.load(path: chainFile)
        let errors = diagnostics.filter { $0.severity == .error }
        guard let config, errors.isEmpty else {
            throw LabError("\(chainFile) does not compile:\n" + diagnostics.map(\.rendered).joined(separator: "\n"))
        }
        guard let lab else { throw LabError("\(chainFile) has no `lab:` section: nothing to build (see docs/CHAIN-FORMAT.md, lab)") }
        return try LabPlan(chainFile: chainFile, config: config, lab: lab, prefix: prefix)
    }

    init(chainFile: String, config: CompiledConfig, lab: LabDescription, prefix: String = namespacePrefix) throws {
        self.chainFile = chainFile
        self.config = config
        self.lab = lab
        node = config.node.name
        sffNamespace = prefix + "sff"
        if lab.hosts.contains(where: { $0.name == "sff" }) || lab.vnfs.contains(where: { $0.name == "sff" }) {
            throw LabError("the lab name 'sff' is the forwarder's namespace; rename that host or vnf")
        }
        func port(_ name: String) throws -> PortConfig {
            guard let p = config.ports.first(where: { $0.name == name }) else { throw LabError("no port '\(name)'") }
            return p
        }
        var veths: [Veth] = []
        var hosts: [HostPlan] = []
        for host in lab.hosts {
            let p = try port(host.port)
            let ns = prefix + host.name
            veths.append(Veth(port: p.name, sffInterface: p.interface ?? p.name, sffMAC: p.mac, mtu: p.mtu, namespace: ns,
                              peerInterface: "eth0", peerMAC: host.mac))
            hosts.append(HostPlan(host: host, namespace: ns, portMAC: p.mac))
        }
        var vnfs: [VNFPlan] = []
        for vnf in lab.vnfs {
            let ns = prefix + vnf.name
            let managed = lab.scale(servedBy: vnf.name) != nil
            var links: [LinkPlan] = []
            for (i, link) in vnf.links.enumerated() {
                let p = try port(link.port)
                var veth = Veth(port: p.name, sffInterface: p.interface ?? p.name, sffMAC: p.mac, mtu: p.mtu, namespace: ns,
                                peerInterface: "eth\(i)", peerMAC: link.mac)
                if managed { veth.parked = String("pk-\(p.name)".prefix(15)) }
                veths.append(veth)
                links.append(LinkPlan(link: link, interface: "eth\(i)", portMAC: p.mac))
            }
            vnfs.append(VNFPlan(vnf: vnf, namespace: ns, links: links, managed: managed))
        }
        for veth in veths where veth.sffInterface.utf8.count > 15 {
            throw LabError("port '\(veth.port)' needs an `interface:` of at most 15 characters: its name is too long for a veth")
        }
        let unwired = config.ports.map(\.name).filter { name in !veths.contains { $0.port == name } }
        if !unwired.isEmpty {
            throw LabError("the lab wires no host or vnf to port(s) \(unwired.joined(separator: ", ")): "
                           + "every port of the forwarder needs a veth")
        }
        self.veths = veths
        self.hosts = hosts
        self.vnfs = vnfs
    }

    public func host(_ name: String) -> HostPlan? { hosts.first { $0.host.name == name } }
    public func vnf(_ name: String) -> VNFPlan? { vnfs.first { $0.vnf.name == name } }
    public func vnfs(of kind: LabDescription.VNFKind) -> [VNFPlan] { vnfs.filter { $0.vnf.kind == kind } }
}
