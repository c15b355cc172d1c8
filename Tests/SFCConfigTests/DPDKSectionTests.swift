// The dpdk section: what compiles, and each error at its exact position.
import SFCConfig
import SFCCore
import Testing

@Suite struct DPDKSectionTests {
    @Test func aFullSectionCompilesAlignedWithThePorts() throws {
        let yaml = Fixture.base + """
            dpdk:
              lcores: [0, 1]
              hugepages: off
              memory-mb: 256
              eal-args: ["--log-level=lib.eal:notice"]
              ports:
                - {port: p1, device: "net_af_packet0,iface=veth0", rx-ring: 512, tx-ring: 2048}

            """
        let (config, diagnostics) = compile(yaml)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered))")
        let dpdk = try #require(config?.dpdk)
        #expect(dpdk.lcores == [0, 1] && dpdk.hugepages == .off && dpdk.memoryMB == 256)
        #expect(dpdk.ealArguments == ["--log-level=lib.eal:notice"])
        #expect(dpdk.ports == [DPDKPortConfig(device: "net_af_packet0,iface=veth0", rxDescriptors: 512, txDescriptors: 2048)])
        #expect(dpdk.ports[0]?.name == "net_af_packet0" && dpdk.ports[0]?.isPCI == false)
        #expect(DPDKPortConfig(device: "0000:01:00.0").isPCI)
    }

    @Test func defaultsWhenTheSectionIsSparse() throws {
        let (config, _) = compile(Fixture.base + "dpdk:\n  ports: []\n")
        let dpdk = try #require(config?.dpdk)
        #expect(dpdk.lcores == [0] && dpdk.hugepages == .auto && dpdk.memoryMB == 512 && dpdk.ports == [nil])
        #expect(compile(Fixture.base).config?.dpdk == nil)
    }

    @Test func unknownPort() {
        expectError(Fixture.base + "dpdk:\n  ports:\n    - {port: nope, device: net_null0}\n", line: 22, column: 14,
                    "unknown port 'nope' in dpdk ports")
    }

    @Test func portGivenTwoDevices() {
        expectError(Fixture.base + "dpdk:\n  ports:\n    - {port: p1, device: net_null0}\n    - {port: p1, device: net_null1}\n",
                    line: 23, column: 14, "port 'p1' has a DPDK device already (line 22)")
    }

    @Test func deviceUsedTwice() {
        let yaml = """
            node: {name: n1}
            ports:
              - {name: p1, mac: "02:00:00:00:00:01", trusted: true}
              - {name: p2, mac: "02:00:00:00:00:09"}
            functions:
              - name: f1
                kind: nsh-aware
                instances: [{name: i1, port: p1, mac: "02:00:00:00:00:02"}]
            chains:
              - {name: c1, spi: 1, encapsulation: nsh, hops: [f1], end: {port: p2, mac: "02:00:00:00:00:03"}}
            dpdk:
              ports:
                - {port: p1, device: "net_null0"}
                - {port: p2, device: "net_null0,size=64"}

            """
        expectError(yaml, line: 14, column: 26, "DPDK device 'net_null0' is used twice (first at line 13)")
    }

    @Test func badRingSize() {
        expectError(Fixture.base + "dpdk:\n  ports:\n    - {port: p1, device: net_null0, rx-ring: 1000}\n",
                    line: 22, column: 46, "'rx-ring' must be a power of two")
        expectError(Fixture.base + "dpdk:\n  ports:\n    - {port: p1, device: net_null0, tx-ring: 32}\n",
                    line: 22, column: 46, "'tx-ring' must be in 64..16384")
    }

    @Test func badHugepagesAndLcores() {
        expectError(Fixture.base + "dpdk:\n  hugepages: maybe\n", line: 21, column: 14, "expected auto | on | off")
        expectError(Fixture.base + "dpdk:\n  lcores: [0, 0]\n", line: 21, column: 15, "lcore 0 listed twice")
        expectError(Fixture.base + "dpdk:\n  lcores: []\n", line: 21, column: 11, "at least one core")
    }

    @Test func deviceWithSpacesOrMissing() {
        expectError(Fixture.base + "dpdk:\n  ports:\n    - {port: p1, device: \"net_pcap0, rx_pcap=a\"}\n",
                    line: 22, column: 26, "bad DPDK device")
        expectError(Fixture.base + "dpdk:\n  ports:\n    - {port: p1}\n", line: 22, column: 7, "missing key 'device' in dpdk port")
    }
}
