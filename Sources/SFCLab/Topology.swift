// Namespaces and veth pairs: creating the plan's network and removing it.
// Every address lives inside the lab's namespaces; the caller's namespace
// gets nothing. The forwarder answers neither ARP nor ND, so hosts and VNFs
// reach its ports through permanent neighbour entries.
import Foundation
import SFCConfig

public enum Topology {
    /// Creates the namespaces, the veths (offloads off; XDP_PASS on the non-forwarder
    /// ends when `xdpPass` is the path of that object) and the hosts' addresses and routes.
    public static func up(_ plan: LabPlan, xdpPass: String?) throws {
        for ns in plan.initialNamespaces {
            try Shell.check(["ip", "netns", "add", ns])
            try Shell.check(["ip", "-n", ns, "link", "set", "lo", "up"])
            // No IPv6 but where SRv6 needs it: router solicitations and MLD
            // reports are not the lab's traffic.
            try sysctl(ns, ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        }
        for vnf in plan.vnfs where !vnf.managed { try VNFSetup.prepare(vnf) }
        for veth in plan.veths {
            if let parked = veth.parked {
                // A scaled vnf's link: both ends in the forwarder's namespace, the far one down
                // until the VNF manager moves it into the instance's namespace (ScaleManager).
                try Shell.check(["ip", "-n", plan.sffNamespace, "link", "add", veth.sffInterface, "address", veth.sffMAC.description,
                                 "mtu", "\(veth.mtu)", "type", "veth", "peer", "name", parked,
                                 "address", veth.peerMAC.description, "mtu", "\(veth.mtu)"])
                try noOffloads(plan.sffNamespace, veth.sffInterface)
                try noOffloads(plan.sffNamespace, parked)
                try Shell.check(["ip", "-n", plan.sffNamespace, "link", "set", veth.sffInterface, "up"])
                continue
            }
            try Shell.check(["ip", "-n", plan.sffNamespace, "link", "add", veth.sffInterface, "address", veth.sffMAC.description,
                             "mtu", "\(veth.mtu)", "type", "veth", "peer", "name", veth.peerInterface, "netns", veth.namespace,
                             "address", veth.peerMAC.description, "mtu", "\(veth.mtu)"])
            // Checksum and segmentation offloads off (a packet socket would read TCP with
            // unfinished checksums; an XDP redirect loses the partial-checksum state), no GRO.
            try noOffloads(plan.sffNamespace, veth.sffInterface)
            try noOffloads(veth.namespace, veth.peerInterface)
            if let xdpPass {
                // A redirect into a veth needs NAPI on its peer: an XDP program gives it one.
                try Shell.check(["ip", "-n", veth.namespace, "link", "set", "dev", veth.peerInterface, "xdpdrv", "obj", xdpPass, "sec", "xdp"])
            }
            try Shell.check(["ip", "-n", plan.sffNamespace, "link", "set", veth.sffInterface, "up"])
            try Shell.check(["ip", "-n", veth.namespace, "link", "set", veth.peerInterface, "up"])
        }
        for host in plan.hosts {
            let ns = host.namespace, h = host.host
            try Shell.check(["ip", "-n", ns, "addr", "add", h.address.description, "dev", "eth0"])
            try Shell.check(["ip", "-n", ns, "neigh", "replace", h.gateway.description, "lladdr", host.portMAC.description,
                             "dev", "eth0", "nud", "permanent"])
            for route in h.routes {
                try Shell.check(["ip", "-n", ns, "route", "add", route.description, "via", h.gateway.description, "dev", "eth0"])
            }
        }
        for vnf in plan.vnfs where !vnf.managed { try VNFSetup.configure(vnf, plan: plan) }
    }

    static func sysctl(_ ns: String, _ settings: [String]) throws {
        try Shell.check(Shell.inNamespace(ns, ["sysctl", "-qw"] + settings))
    }

    static func noOffloads(_ ns: String, _ interface: String) throws {
        try Shell.check(Shell.inNamespace(ns, ["ethtool", "-K", interface, "tx", "off", "tso", "off", "gso", "off", "gro", "off"]))
    }

    /// The lab's namespaces that exist now.
    public static func existing(_ plan: LabPlan) -> [String] {
        let listed = Set(Shell.run(["ip", "netns", "list"]).stdout.split(separator: "\n")
            .compactMap { $0.split(separator: " ").first.map(String.init) })
        return plan.namespaces.filter { listed.contains($0) }
    }

    /// Stops every process in the lab's namespaces (TERM, KILL after 3 s),
    /// deletes them and the forwarder's pins. Safe to run on a partial lab, twice,
    /// or after a killed run. Returns what it removed.
    @discardableResult
    public static func down(_ plan: LabPlan) -> [String] {
        var removed: [String] = []
        let present = existing(plan)
        var pids: [Int32] = []
        for ns in present {
            pids += Shell.run(["ip", "netns", "pids", ns]).stdout.split(separator: "\n").compactMap { Int32($0) }
        }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline && pids.contains(where: { kill($0, 0) == 0 }) { Thread.sleep(forTimeInterval: 0.05) }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        // Only a lab that scales has cgroups: another lab's teardown must not kill a running scale scene's.
        if plan.vnfs.contains(where: \.managed) { CGroup.removeAll() }
        for ns in present {
            if Shell.run(["ip", "netns", "del", ns]).ok { removed.append(ns) }
        }
        if FileManager.default.fileExists(atPath: plan.pinDirectory) {
            try? FileManager.default.removeItem(atPath: plan.pinDirectory)
            removed.append(plan.pinDirectory)
        }
        return removed
    }
}
