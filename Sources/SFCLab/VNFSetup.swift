// The VNFs, each in its own namespace: Linux routers with an nftables rule
// set per kind (firewall, inspect, forward), and the kernel's seg6local
// route for an SR-aware function. Routers send every packet back out the
// interface it came in on (towards the forwarder port at the other end of
// that veth, the proxy's return attachment).
import Foundation
import SFCConfig
import SFCLabConfig

public enum VNFSetup {
    /// nftables tables the lab loads, by kind.
    public static let firewallTable = "lab_firewall"
    public static let observerTable = "lab_observe"

    /// Settings that new interfaces inherit: run before the veths exist.
    static func prepare(_ vnf: LabPlan.VNFPlan) throws {
        let ns = vnf.namespace
        switch vnf.vnf.kind {
        case .firewall, .inspect, .forward:
            // Routers forward, send no redirects and do no reverse-path check
            // (each packet goes back out the interface it came in on).
            try Topology.sysctl(ns, ["net.ipv4.ip_forward=1"] + ["all", "default"].flatMap {
                ["net.ipv4.conf.\($0).send_redirects=0", "net.ipv4.conf.\($0).rp_filter=0"]
            })
        case .nshAware:
            break  // no address, no route: frames in and out of eth0 on a packet socket
        case .seg6local:
            // IPv6 forwarding with SRv6 processing, but no link-local address,
            // router solicitation, DAD or RA: the namespace originates nothing.
            try Topology.sysctl(ns, ["net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1",
                                     "net.ipv6.conf.all.seg6_enabled=1", "net.ipv6.conf.default.seg6_enabled=1",
                                     "net.ipv6.conf.default.addr_gen_mode=1", "net.ipv6.conf.default.accept_ra=0",
                                     "net.ipv6.conf.default.router_solicitations=0", "net.ipv6.conf.default.dad_transmits=0",
                                     "net.ipv6.conf.default.accept_dad=0"])
        }
    }

    /// Addresses, routes, rule sets: run once the veths are up.
    static func configure(_ vnf: LabPlan.VNFPlan, plan: LabPlan) throws {
        let ns = vnf.namespace
        switch vnf.vnf.kind {
        case .firewall, .inspect, .forward:
            for link in vnf.links {
                guard let address = link.link.address, let gateway = link.link.gateway else {
                    throw LabError("vnf \(vnf.vnf.name): link \(link.link.instance) has no address")
                }
                try Shell.check(["ip", "-n", ns, "addr", "add", address.description, "dev", link.interface])
                try Shell.check(["ip", "-n", ns, "neigh", "replace", gateway.description, "lladdr", link.portMAC.description,
                                 "dev", link.interface, "nud", "permanent"])
                for route in link.link.routes4 {
                    try Shell.check(["ip", "-n", ns, "route", "add", route.description, "via", gateway.description, "dev", link.interface])
                }
            }
            let strict = vnf.vnf.kind == .firewall && [plan.lab.failover?.active, plan.lab.failover?.standby].contains(vnf.vnf.name)
            if strict {
                // The failover pair tracks TCP strictly: a packet of a connection this
                // firewall has no state for is invalid (not picked up mid-stream) and dropped.
                try Topology.sysctl(ns, ["net.netfilter.nf_conntrack_tcp_loose=0"])
            }
            try Shell.nft(ns, vnf.vnf.kind == .firewall ? firewallRules(vnf, strict: strict) : observerRules(vnf))
        case .nshAware:
            break  // started by `start` below
        case .seg6local:
            if let missing = KernelSRv6.missing() {
                throw LabError("vnf \(vnf.vnf.name) is a kernel SRv6 endpoint (seg6local \(vnf.vnf.action ?? "End")), but \(missing); "
                               + "run the lab on a kernel with seg6, such as Debian's")
            }
            // The MLD reports a router still sends when its links come up are
            // dropped before they leave: nothing the forwarder would have to drop.
            try Shell.nft(ns, "table ip6 lab_quiet {\n  chain output { type filter hook output priority filter; policy drop; }\n}\n")
            for link in vnf.links {
                let i = link.interface
                try Topology.sysctl(ns, ["net.ipv6.conf.\(i).disable_ipv6=0", "net.ipv6.conf.\(i).seg6_enabled=1"])
                // Back to the forwarder: a next hop that is only a permanent neighbour entry.
                let nextHop = "fe80::1"
                try Shell.check(["ip", "-n", ns, "-6", "neigh", "replace", nextHop, "lladdr", link.portMAC.description,
                                 "dev", i, "nud", "permanent"])
                for route in link.link.routes6 {
                    try Shell.check(["ip", "-n", ns, "-6", "route", "add", route.description, "via", nextHop, "dev", i])
                }
                guard let sid = link.link.sid else { throw LabError("vnf \(vnf.vnf.name): instance \(link.link.instance) has no SID") }
                // RFC 8986 s4.1 End: SL -= 1, the next segment into the DA, forward. `count` keeps per-route counters.
                try Shell.check(["ip", "-n", ns, "-6", "route", "add", "\(sid)/128", "encap", "seg6local", "action",
                                 vnf.vnf.action ?? "End", "count", "dev", i])
            }
        }
    }

    /// A router's links up again after they went down (the kernel dropped their routes
    /// and neighbour entries with them): up, the neighbour entries and routes again.
    static func linksUp(_ vnf: LabPlan.VNFPlan) throws {
        let ns = vnf.namespace
        for link in vnf.links {
            try Shell.check(["ip", "-n", ns, "link", "set", link.interface, "up"])
            guard let gateway = link.link.gateway else { continue }
            try Shell.check(["ip", "-n", ns, "neigh", "replace", gateway.description, "lladdr", link.portMAC.description,
                             "dev", link.interface, "nud", "permanent"])
            for route in link.link.routes4 {
                try Shell.check(["ip", "-n", ns, "route", "replace", route.description, "via", gateway.description, "dev", link.interface])
            }
        }
    }

    /// Passes new connections the `allow` list names and everything of
    /// established ones (conntrack: the firewall sees both directions);
    /// drops and remembers everything else.
    static func firewallRules(_ vnf: LabPlan.VNFPlan, strict: Bool = false) -> String {
        var counters = vnf.links.map { "in_\($0.interface)" } + ["established"] + (strict ? ["invalid"] : [])
        var rules = vnf.links.map { "    iifname \"\($0.interface)\" counter name \"in_\($0.interface)\"" }
        if strict { rules.append("    ct state invalid counter name \"invalid\" drop") }
        rules.append("    ct state established,related counter name \"established\" accept")
        for allow in vnf.vnf.allow {
            let name = counterName(allow)
            counters.append(name)
            switch allow.proto {
            case "icmp": rules.append("    icmp type echo-request ct state new counter name \"\(name)\" accept")
            default: rules.append("    \(allow.proto) dport \(allow.port ?? 0) ct state new counter name \"\(name)\" accept")
            }
        }
        rules.append("    meta l4proto { tcp, udp } update @dropped_flows { ip saddr . ip daddr . meta l4proto . th dport }")
        rules.append("    meta l4proto != { tcp, udp } update @dropped_other { ip saddr . ip daddr . meta l4proto }")
        for link in vnf.links {
            counters.append("dropped_\(link.interface)")
            rules.append("    iifname \"\(link.interface)\" counter name \"dropped_\(link.interface)\" drop")
        }
        counters.append("dropped_other_interfaces")
        rules.append("    counter name \"dropped_other_interfaces\" drop")
        return """
            table inet \(firewallTable) {
            \(counters.map { "  counter \($0) { }" }.joined(separator: "\n"))
              set dropped_flows { type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags dynamic; counter; size 65536; }
              set dropped_other { type ipv4_addr . ipv4_addr . inet_proto; flags dynamic; counter; size 65536; }
              chain forward {
                type filter hook forward priority filter; policy drop;
            \(rules.joined(separator: "\n"))
              }
            }

            """
    }

    public static func counterName(_ allow: LabDescription.Allow) -> String {
        allow.port.map { "allow_\(allow.proto)_\($0)" } ?? "allow_\(allow.proto)"
    }

    /// What an inspection function or a load-balanced instance sees: every
    /// packet arriving from the forwarder, per protocol and per flow (the
    /// 5-tuple for TCP and UDP, the address pair for ICMP: the flow hash's view).
    static func observerRules(_ vnf: LabPlan.VNFPlan) -> String {
        let interfaces = vnf.links.map { "\"\($0.interface)\"" }.joined(separator: ", ")
        return """
            table inet \(observerTable) {
              counter proto_icmp { }
              counter proto_tcp { }
              counter tcp_syn { }
              counter proto_udp { }
              counter proto_other { }
              set flows { type ipv4_addr . ipv4_addr . inet_proto . inet_service . inet_service; flags dynamic; counter; size 65536; }
              set icmp_flows { type ipv4_addr . ipv4_addr; flags dynamic; counter; size 65536; }
              chain seen {
                type filter hook prerouting priority filter; policy accept;
                iifname != { \(interfaces) } accept
                meta l4proto { tcp, udp } update @flows { ip saddr . ip daddr . meta l4proto . th sport . th dport }
                meta l4proto icmp update @icmp_flows { ip saddr . ip daddr }
                tcp flags & (syn | ack) == syn counter name "tcp_syn"
                meta l4proto icmp counter name "proto_icmp" accept
                meta l4proto tcp counter name "proto_tcp" accept
                meta l4proto udp counter name "proto_udp" accept
                counter name "proto_other"
              }
            }

            """
    }

    /// A running NSH-aware function: nsh_aware_sf.py on one link, writing what it
    /// saw to `stats` when it stops.
    public struct NSHAwareProcess {
        public var vnf: LabPlan.VNFPlan
        public var link: LabPlan.LinkPlan
        public var process: LabProcess
        public var stats: String
    }

    /// Starts the NSH-aware functions (Tests/e2e/nsh_aware_sf.py: decrements SI,
    /// swaps the MACs, sends the frame back) and waits until each is bound.
    static func startNSHAware(_ plan: LabPlan, repositoryRoot: String, directory: String,
                              register: (LabProcess) -> Void) throws -> [NSHAwareProcess] {
        var started: [NSHAwareProcess] = []
        for vnf in plan.vnfs(of: .nshAware) where !vnf.managed {
            for link in vnf.links {
                let stats = directory + "/\(vnf.vnf.name)-\(link.interface).json"
                let p = try LabProcess(name: "\(vnf.vnf.name)-\(link.interface)", argv: Shell.inNamespace(vnf.namespace,
                    [Locations.python, "-u", repositoryRoot + "/Tests/e2e/nsh_aware_sf.py", link.interface, stats]), directory: directory)
                register(p)
                try p.waitFor("ready", timeout: 15)
                started.append(NSHAwareProcess(vnf: vnf, link: link, process: p, stats: stats))
            }
        }
        return started
    }
}
