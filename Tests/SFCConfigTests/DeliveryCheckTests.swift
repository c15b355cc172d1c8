// Warnings for traffic a valid file would still lose.
import SFCConfig
import Testing

@Suite struct DeliveryCheckTests {
    @Test func nshAwareInstanceOnAnUntrustedPort() {
        let yaml = """
            node: {name: n1}
            ports:
              - {name: p1, mac: "02:00:00:00:00:01"}
            functions:
              - name: f1
                kind: nsh-aware
                instances: [{name: i1, port: p1, mac: "02:00:00:00:00:02"}]
            chains:
              - {name: c1, spi: 1, encapsulation: nsh, hops: [f1], end: {port: p1, mac: "02:00:00:00:00:03"}}

            """
        expectWarning(yaml, line: 7, column: 34, "NSH coming back from instance 'i1' on port 'p1' would be dropped")
    }

    @Test func peerOnAnUntrustedPort() {
        let yaml = Fixture.base.replacingOccurrences(of: "node:\n  name: n1\n", with: "node:\n  name: n1\n  ipv4: 192.0.2.1\n")
            + "peers:\n  - {name: e2, address: 192.0.2.2, port: p2, mac: \"02:00:00:00:09:01\"}\n"
            .replacingOccurrences(of: "p2", with: "p1")
        // p1 is trusted in the base file: no warning.
        #expect(!compile(yaml).diagnostics.contains { $0.message.contains("VXLAN-GPE from peer") })
        let untrusted = yaml.replacingOccurrences(of: "    trusted: true\n", with: "    trusted: false\n")
        expectWarning(untrusted, line: 22, column: 42, "VXLAN-GPE from peer 'e2' arrives on port 'p1', which is untrusted")
    }

    @Test func ruleFamilyTheChainEndCannotDeliver() {
        let yaml = """
            node: {name: n1, srv6-source: "2001:db8::1", locator: "fc00:1::/48"}
            ports:
              - {name: p1, mac: "02:00:00:00:00:01", trusted: true}
            routes:
              - {prefix: "fc00:2::/48", port: p1, mac: "02:00:00:00:00:05"}
            sids:
              - {sid: "fc00:1::d4", behavior: End.DX4, port: p1, mac: "02:00:00:00:00:06"}
            functions:
              - name: f1
                kind: sr-aware
                instances: [{name: i1, sid: "fc00:2::1"}]
            chains:
              - {name: c1, spi: 1, encapsulation: srv6, hops: [f1], end: {sid: "fc00:1::d4"}}
            rules:
              - {name: v4only, chain: c1, protocol: tcp, source: 10.0.0.0/8}
              - {name: any, priority: 2000, chain: c1, protocol: udp}

            """
        let diagnostics = compile(yaml).diagnostics
        #expect(!diagnostics.contains { $0.message.contains("rule 'v4only'") })
        expectWarning(yaml, line: 16, column: 40, "rule 'any' sends IPv6 to chain 'c1', which ends on End.DX4")
    }
}
