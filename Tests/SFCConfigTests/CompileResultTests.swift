// What the compiler produces: rule order, the two-family expansion,
// metadata, chain ends, instance attachments.
import SFCConfig
import SFCCore
import Testing

@Suite struct CompileResultTests {
    private func compiled(_ yaml: String) throws -> CompiledConfig {
        let (config, diagnostics) = compile(yaml)
        let errors = diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map(\.rendered))")
        return try #require(config)
    }

    @Test func rulesSortedByPriorityThenFileOrder() throws {
        let config = try compiled(Fixture.base + """
            rules:
              - {name: d, priority: 30, chain: c1, protocol: tcp, source: 10.4.0.0/16}
              - {name: a, priority: 10, chain: c1, protocol: tcp, source: 10.1.0.0/16}
              - {name: b, priority: 10, chain: c1, protocol: udp, source: 10.2.0.0/16}
              - {name: c, priority: 20, chain: c1, protocol: tcp, source: 10.3.0.0/16}
              - {name: e, chain: c1, protocol: tcp, source: 10.5.0.0/16}

            """)
        #expect(config.rules.map(\.name) == ["a", "b", "c", "d", "e"])
        #expect(config.rules.map(\.priority) == [10, 10, 20, 30, 1000])
    }

    @Test func ruleWithoutFamilyCompilesToTwoRules() throws {
        let config = try compiled(Fixture.base + """
            rules:
              - {name: v4, priority: 1, chain: c1, protocol: tcp, source: 10.0.0.0/8}
              - {name: both, priority: 2, chain: c1, protocol: tcp, destination-port: 22}
              - {name: ping6, priority: 3, chain: c1, protocol: icmpv6}
              - {name: ping, priority: 4, chain: c1, protocol: icmp}

            """)
        #expect(config.rules.map(\.name) == ["v4", "both", "both", "ping6", "ping"])
        #expect(config.rules.map(\.family) == [.ipv4, .ipv4, .ipv6, .ipv6, .ipv4])
        #expect(config.rules[1].destinationPorts == 22...22 && config.rules[2].destinationPorts == 22...22)
        #expect(config.rules[0].source4 == IPv4Prefix(address: IPv4Address(raw: 0x0A00_0000), length: 8))
    }

    @Test func partlyCoveredExpandedRuleIsNotShadowed() throws {
        // 'all-v4' covers the IPv4 half of 'any' only; 'any' still matches IPv6.
        let config = try compiled(Fixture.base + """
            rules:
              - {name: all-v4, chain: c1, source: 0.0.0.0/0}
              - {name: any, chain: c1}

            """)
        #expect(config.rules.map(\.name) == ["all-v4", "any", "any"])
    }

    @Test func ruleFields() throws {
        let config = try compiled(Fixture.base + """
            rules:
              - name: dicom
                priority: 7
                chain: c1
                ingress: p1
                protocol: tcp
                source: 2001:db8:1::/48
                destination: 2001:db8:2::5
                source-port: 1024-65535
                destination-port: 104
                dscp: 46

            """)
        let rule = try #require(config.rules.first)
        #expect(config.rules.count == 1)
        #expect(rule.family == .ipv6)
        #expect(rule.ingress == 0 && rule.chain == 0 && rule.proto == 6 && rule.dscp == 46)
        #expect(rule.source6.description == "2001:db8:1::/48")
        #expect(rule.destination6.description == "2001:db8:2::5/128")
        #expect(rule.sourcePorts == 1024...65535 && rule.destinationPorts == 104...104)
    }

    @Test func nshChainDefaultsAndDeliverEnd() throws {
        let config = try compiled(Fixture.base)
        let chain = try #require(config.chains.first)
        #expect(chain.spi == 1 && chain.startSI == 255 && chain.ttl == 63 && !chain.reduced)
        #expect(chain.metadata == .type1(context: [0, 0, 0, 0]))
        #expect(chain.end == .deliver(Adjacency(port: 0, mac: MACAddress(2, 0, 0, 0, 0, 3))))
        #expect(config.node == NodeConfig(name: "n1"))
        #expect(config.ports == [PortConfig(name: "p1", mac: MACAddress(2, 0, 0, 0, 0, 1), mtu: 1500, trusted: true)])
    }

    @Test func md1AndMd2Metadata() throws {
        let md1 = try compiled(Fixture.base + "    metadata: {type: 1, context: [0x0000000a, 2, 3, 0xffffffff]}\n    start-si: 200\n    ttl: 9\n")
        #expect(md1.chains[0].metadata == .type1(context: [10, 2, 3, 0xFFFF_FFFF]))
        #expect(md1.chains[0].startSI == 200 && md1.chains[0].ttl == 9)
        let md2 = try compiled(Fixture.base + """
                metadata:
                  type: 2
                  tlvs:
                    - {class: 0x0000, type: 0x01, value: "00000065"}
                    - {class: 0xffff, type: 255, value: "0xabcdef"}
                    - {class: 1, type: 2, value: ""}

            """)
        #expect(md2.chains[0].metadata == .type2(tlvs: [
            NSHTLV(metadataClass: 0, type: 1, value: [0, 0, 0, 0x65]),
            NSHTLV(metadataClass: 0xFFFF, type: 255, value: [0xAB, 0xCD, 0xEF]),
            NSHTLV(metadataClass: 1, type: 2, value: []),
        ]))
    }

    @Test func srv6ChainSegmentEndAndProxyInstance() throws {
        let config = try compiled(SRv6Fixture.base)
        let chain = try #require(config.chains.first)
        #expect(chain.encapsulation == .srv6)
        #expect(chain.end == .segment(try #require(IPv6Address("fc00:1::d4"))))
        let function = config.functions[0]
        #expect(function.kind == .srUnaware && function.proxy == .staticProxy)
        let instance = function.instances[0]
        #expect(instance.sid == IPv6Address("fc00:1::a1"))
        #expect(instance.attachment == Adjacency(port: 0, mac: MACAddress(2, 0, 0, 0, 0, 2)))
        #expect(instance.returnPort == 0)
        #expect(config.sids == [LocalSIDConfig(sid: try #require(IPv6Address("fc00:1::d4")), behavior: .endDX4,
                                               via: Adjacency(port: 0, mac: MACAddress(2, 0, 0, 0, 0, 9)))])
        #expect(config.node.locator?.description == "fc00:1::/48")
        #expect(config.node.srv6Source == IPv6Address("2001:db8::1"))
    }

    @Test func attachments() throws {
        let config = try compiled("""
            node: {name: n1, ipv4: 192.0.2.1, srv6-source: "2001:db8::1"}
            ports:
              - {name: svc, mac: "02:00:00:00:00:01", trusted: true, mtu: 9000}
              - {name: back, mac: "02:00:00:00:00:02", trusted: true, mtu: 9000}
            peers:
              - {name: sff2, address: 192.0.2.2, port: svc, mac: "02:00:00:00:00:0f", vni: 77}
            routes:
              - {prefix: "fc00:2::/48", port: svc, mac: "02:00:00:00:00:0e"}
            functions:
              - name: fw
                kind: nsh-unaware
                instances:
                  - {name: fw-1, port: svc, mac: "02:00:00:00:01:01", vlan: 10, return-port: back}
              - name: ids
                kind: nsh-aware
                instances:
                  - {name: ids-1, port: svc, mac: "02:00:00:00:02:01", vlan: 20, weight: 5}
                  - {name: ids-2, peer: sff2}
              - name: sr-local
                kind: sr-aware
                instances:
                  - {name: srl, sid: "fc00:3::1", port: svc, mac: "02:00:00:00:03:01"}
              - name: sr-remote
                kind: sr-aware
                instances:
                  - {name: srr, sid: "fc00:2::1"}
            chains:
              - {name: a, spi: 1, encapsulation: nsh, hops: [fw, ids], end: {port: back, mac: "02:00:00:00:00:0d"}}
              - {name: b, spi: 2, encapsulation: srv6, hops: [sr-local, sr-remote], end: {sid: "fc00:2::ff"}}

            """)
        let fw = config.functions[0].instances[0]
        #expect(fw.attachment == Adjacency(port: 0, mac: MACAddress(2, 0, 0, 0, 1, 1), vlan: 10))
        #expect(fw.returnPort == 1 && fw.peer == nil && fw.sid == nil)
        let ids = config.functions[1].instances
        #expect(ids[0].attachment == Adjacency(port: 0, mac: MACAddress(2, 0, 0, 0, 2, 1), vlan: 20))
        #expect(ids[0].weight == 5 && ids[0].returnPort == nil)
        #expect(ids[1].attachment == nil && ids[1].peer == 0 && ids[1].weight == 1)
        #expect(config.peers == [PeerConfig(name: "sff2", address: IPv4Address(raw: 0xC000_0202), port: 0,
                                            mac: MACAddress(2, 0, 0, 0, 0, 0x0F), vni: 77)])
        #expect(config.functions[2].instances[0].attachment == Adjacency(port: 0, mac: MACAddress(2, 0, 0, 0, 3, 1)))
        #expect(config.functions[3].instances[0].attachment == nil)
        #expect(config.routes6.count == 1 && config.routes4.isEmpty)
        #expect(config.chains[1].end == .segment(try #require(IPv6Address("fc00:2::ff"))))
        #expect(config.node.ipv4 == IPv4Address("192.0.2.1"))
    }

    @Test func overheadFormulas() {
        // Used by the MTU warning; the numbers CHAIN-FORMAT.md documents.
        #expect(EncapsulationOverhead.nsh(.type1(context: [0, 0, 0, 0])) == 24)
        #expect(EncapsulationOverhead.nsh(.type2(tlvs: [NSHTLV(metadataClass: 0, type: 1, value: [1, 2, 3, 4, 5])])) == 8 + 4 + 8)
        #expect(EncapsulationOverhead.srv6(hops: 2, reduced: false) == 40 + 8 + 16 * 3)
        #expect(EncapsulationOverhead.srv6(hops: 2, reduced: true) == 40 + 8 + 16 * 2)
        #expect(EncapsulationOverhead.srv6(hops: 0, reduced: true) == 40)
        #expect(EncapsulationOverhead.vxlanGPE == 50)
    }
}
