// A hand-built configuration that exercises every behaviour the pipeline
// has, independent of the YAML layer.
@testable import SFCCore

enum Topo {
    static func mac(_ s: String) -> MACAddress { MACAddress(s)! }
    static func v6(_ s: String) -> IPv6Address { IPv6Address(s)! }
    static func v4(_ s: String) -> IPv4Address { IPv4Address(s)! }

    static let clients = 0, services = 1, servers = 2, uplink = 3, sr = 4
    static let clientMAC = mac("02:00:00:00:00:fe")
    static let serverGateway = mac("02:00:00:00:20:01")
    static let ids1 = mac("02:00:00:00:10:01"), ids2 = mac("02:00:00:00:10:02")
    static let fw1 = mac("02:00:00:00:11:01")
    static let asMAC = mac("02:00:00:00:12:01"), adMAC = mac("02:00:00:00:12:02"), amMAC = mac("02:00:00:00:12:03")
    static let peerMAC = mac("02:00:00:00:02:01")
    static let srGateway = mac("02:00:00:00:30:01")
    static let lb2MAC = mac("02:00:00:00:30:02")
    static let endXMAC = mac("02:00:00:00:40:01")

    static let config: CompiledConfig = {
        var c = CompiledConfig(node: NodeConfig(name: "edge-1", srv6Source: v6("2001:db8:1::1"),
                                                locator: IPv6Prefix(address: v6("fc00:1::"), length: 48), ipv4: v4("192.0.2.1")))
        c.ports = [
            PortConfig(name: "clients", mac: mac("02:00:00:00:00:01"), mtu: 1500, trusted: false),
            PortConfig(name: "services", mac: mac("02:00:00:00:00:02"), mtu: 9000, trusted: true),
            PortConfig(name: "servers", mac: mac("02:00:00:00:00:03"), mtu: 1500, trusted: false),
            PortConfig(name: "uplink", mac: mac("02:00:00:00:00:04"), mtu: 1500, trusted: true),
            PortConfig(name: "sr", mac: mac("02:00:00:00:00:05"), mtu: 9000, trusted: true),
        ]
        c.peers = [PeerConfig(name: "edge-2", address: v4("192.0.2.2"), port: uplink, mac: peerMAC, vni: 100)]
        c.routes4 = [Route4(prefix: IPv4Prefix(address: v4("10.20.0.0"), length: 16), via: Adjacency(port: servers, mac: serverGateway))]
        c.routes6 = [
            Route6(prefix: IPv6Prefix(address: v6("fc00:2::"), length: 48), via: Adjacency(port: sr, mac: srGateway)),
            Route6(prefix: IPv6Prefix(address: v6("2001:db8:20::"), length: 48), via: Adjacency(port: servers, mac: serverGateway)),
        ]
        c.sids = [
            LocalSIDConfig(sid: v6("fc00:1::e"), behavior: .end),
            LocalSIDConfig(sid: v6("fc00:1::e1"), behavior: .endX, via: Adjacency(port: uplink, mac: endXMAC)),
            LocalSIDConfig(sid: v6("fc00:1::d4"), behavior: .endDX4, via: Adjacency(port: servers, mac: serverGateway)),
            LocalSIDConfig(sid: v6("fc00:1::d6"), behavior: .endDX6, via: Adjacency(port: servers, mac: serverGateway)),
            LocalSIDConfig(sid: v6("fc00:1::74"), behavior: .endDT4),
            LocalSIDConfig(sid: v6("fc00:1::76"), behavior: .endDT6),
        ]
        c.functions = [
            FunctionConfig(name: "ids", kind: .nshAware, instances: [
                InstanceConfig(name: "ids-1", weight: 1, attachment: Adjacency(port: services, mac: ids1)),
                InstanceConfig(name: "ids-2", weight: 2, attachment: Adjacency(port: services, mac: ids2)),
            ]),
            FunctionConfig(name: "fw", kind: .nshUnaware, instances: [
                InstanceConfig(name: "fw-1", attachment: Adjacency(port: services, mac: fw1, vlan: 10)),
            ]),
            FunctionConfig(name: "remote-dpi", kind: .nshAware, instances: [InstanceConfig(name: "r-1", peer: 0)]),
            FunctionConfig(name: "lb", kind: .srAware, instances: [
                InstanceConfig(name: "lb-1", sid: v6("fc00:2::10")),
                InstanceConfig(name: "lb-2", attachment: Adjacency(port: sr, mac: lb2MAC), sid: v6("fc00:2::11")),
            ]),
            FunctionConfig(name: "as-fn", kind: .srUnaware, proxy: .staticProxy, instances: [
                InstanceConfig(name: "as-1", attachment: Adjacency(port: services, mac: asMAC, vlan: 20), sid: v6("fc00:1::a1")),
            ]),
            FunctionConfig(name: "ad-fn", kind: .srUnaware, proxy: .dynamicProxy, instances: [
                InstanceConfig(name: "ad-1", attachment: Adjacency(port: services, mac: adMAC, vlan: 21), sid: v6("fc00:1::a2")),
            ]),
            FunctionConfig(name: "am-fn", kind: .srUnaware, proxy: .masquerading, instances: [
                InstanceConfig(name: "am-1", attachment: Adjacency(port: services, mac: amMAC, vlan: 22), sid: v6("fc00:1::a3")),
            ]),
        ]
        c.chains = [
            ChainConfig(name: "web", spi: 100, encapsulation: .nsh, hops: [0, 1], end: .deliver(Adjacency(port: servers, mac: serverGateway))),
            ChainConfig(name: "remote", spi: 200, encapsulation: .nsh, hops: [2],
                        metadata: .type2(tlvs: [NSHTLV(metadataClass: 0, type: 1, value: [0, 0, 0, 42])]),
                        end: .deliver(Adjacency(port: servers, mac: serverGateway))),
            ChainConfig(name: "sr", spi: 300, encapsulation: .srv6, hops: [4, 3], end: .segment(v6("fc00:1::d4"))),
            ChainConfig(name: "srred", spi: 301, encapsulation: .srv6, hops: [5, 6], reduced: true, end: .segment(v6("fc00:1::d4"))),
            ChainConfig(name: "direct", spi: 302, encapsulation: .srv6, hops: [], reduced: true, end: .segment(v6("fc00:1::d4"))),
            ChainConfig(name: "sr3", spi: 303, encapsulation: .srv6, hops: [3, 3], end: .segment(v6("fc00:1::d4"))),
            ChainConfig(name: "sr3red", spi: 304, encapsulation: .srv6, hops: [3, 3], reduced: true, end: .segment(v6("fc00:1::d4"))),
            ChainConfig(name: "direct-remote", spi: 305, encapsulation: .srv6, hops: [], reduced: true, end: .segment(v6("fc00:2::99"))),
        ]
        let any4 = IPv4Prefix.any
        c.rules = [
            ClassifierRule(name: "web", priority: 10, chain: 0, family: .ipv4, source4: IPv4Prefix(address: v4("10.1.0.0"), length: 16),
                           destination4: any4, proto: IPProtocolNumber.tcp, destinationPorts: 80...80),
            ClassifierRule(name: "remote", priority: 20, chain: 1, family: .ipv4, proto: IPProtocolNumber.udp, destinationPorts: 53...53),
            ClassifierRule(name: "sr", priority: 30, chain: 2, family: .ipv4, proto: IPProtocolNumber.tcp, destinationPorts: 104...104),
            ClassifierRule(name: "srred", priority: 40, chain: 3, family: .ipv4, proto: IPProtocolNumber.tcp, destinationPorts: 11112...11112),
            ClassifierRule(name: "direct", priority: 50, chain: 4, family: .ipv4, proto: IPProtocolNumber.icmp),
            ClassifierRule(name: "sr3", priority: 51, chain: 5, family: .ipv4, proto: IPProtocolNumber.tcp, destinationPorts: 443...443),
            ClassifierRule(name: "sr3red", priority: 52, chain: 6, family: .ipv4, proto: IPProtocolNumber.tcp, destinationPorts: 8443...8443),
            ClassifierRule(name: "direct-remote", priority: 53, chain: 7, family: .ipv4, proto: IPProtocolNumber.udp, destinationPorts: 9999...9999),
            ClassifierRule(name: "web6", priority: 60, chain: 0, family: .ipv6, proto: IPProtocolNumber.tcp, destinationPorts: 80...80),
        ]
        return c
    }()

    static func pipeline() -> Pipeline { Pipeline(tables: ForwardingTables(config)) }

    /// A client frame on the clients port.
    static func clientFrame(_ transport: TransportSpec, src: String = "10.1.0.5", dst: String = "10.20.0.9",
                            payload: [UInt8] = Array("sfc chain-trace!".utf8)) -> [UInt8] {
        PacketBuilder.frame(source: clientMAC, destination: config.ports[clients].mac,
                            endpoints: .v4(v4(src), v4(dst)), transport: transport, payload: payload)
    }
}

/// Byte-level helpers for assertions.
extension Array where Element == UInt8 {
    func be16(_ o: Int) -> UInt16 { UInt16(self[o]) << 8 | UInt16(self[o + 1]) }
    func be32(_ o: Int) -> UInt32 { UInt32(be16(o)) << 16 | UInt32(be16(o + 2)) }
    func ipv6(_ o: Int) -> IPv6Address {
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<8 { hi = hi << 8 | UInt64(self[o + i]); lo = lo << 8 | UInt64(self[o + 8 + i]) }
        return IPv6Address(hi: hi, lo: lo)
    }
    func mac(_ o: Int) -> MACAddress { MACAddress(self[o], self[o + 1], self[o + 2], self[o + 3], self[o + 4], self[o + 5]) }
}
