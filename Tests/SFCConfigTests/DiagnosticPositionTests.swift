// One test per kind of error in CHAIN-FORMAT.md "Diagnostics", each checking
// the file, line and column exactly. Fixture.base is 19 lines, so appended
// text starts on line 20; columns are counted from 1.
import Foundation
import SFCConfig
import Testing

@Suite struct DiagnosticPositionTests {
    @Test func baseFixtureIsValidAndClean() {
        let (config, diagnostics) = compile(Fixture.base)
        #expect(config != nil)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered))")
    }

    // MARK: YAML syntax

    @Test func yamlSyntaxErrorTab() {
        expectError("node:\n  name: n1\nports:\n\t- name: p1\n", line: 4, column: 1, "YAML syntax")
    }

    @Test func yamlSyntaxErrorUnclosedFlow() {
        expectError("node: {name: n1\nports: []\n", line: 2, column: 6, "YAML syntax")
    }

    @Test func emptyFileIsAnError() {
        expectError("", line: 1, column: 1, "empty chain file")
    }

    // MARK: keys

    @Test func unknownKey() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, prio: 5}\n", line: 21, column: 17, "unknown key 'prio' in rule")
    }

    @Test func unknownTopLevelKey() {
        expectError(Fixture.base + "rulez: []\n", line: 20, column: 1, "unknown key 'rulez'")
    }

    @Test func missingKeyInItem() {
        expectError(Fixture.base + "rules:\n  - {priority: 5}\n", line: 21, column: 5, "missing key 'chain' in rule")
    }

    @Test func missingTopLevelKey() {
        let yaml = "node:\n  name: n1\nports:\n  - name: p1\n    mac: 02:00:00:00:00:01\nfunctions: []\n"
        expectError(yaml, line: 1, column: 1, "missing key 'chains'")
    }

    @Test func missingKeyForKind() {
        // An nsh-unaware instance needs a MAC; the instance item is at 11:9.
        let yaml = Fixture.base
            .replacingOccurrences(of: "kind: nsh-aware", with: "kind: nsh-unaware")
            .replacingOccurrences(of: "        mac: 02:00:00:00:00:02\n", with: "")
        expectError(yaml, line: 11, column: 9, "missing key 'mac' in instance")
    }

    @Test func keyNotAllowedForKind() {
        let yaml = Fixture.base.replacingOccurrences(of: "        port: p1\n", with: "        port: p1\n        sid: fc00::1\n")
        expectError(yaml, line: 13, column: 9, "key 'sid' is not allowed in instance")
    }

    @Test func duplicateYAMLKey() {
        expectError(Fixture.base + "rules:\n  - chain: c1\n    chain: c1\n", line: 22, column: 5,
                    "duplicate key 'chain' in rule (first at line 21)")
    }

    // MARK: types and values

    @Test func wrongType() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, priority: [1, 2]}\n", line: 21, column: 27,
                    "expected an integer for 'priority', found a list")
    }

    @Test func wrongTypeNotAnInteger() {
        expectError(Fixture.base.replacingOccurrences(of: "spi: 1", with: "spi: one"), line: 16, column: 10,
                    "expected an integer for 'spi'")
    }

    @Test func badMAC() {
        let yaml = Fixture.base + "peers:\n  - name: r2\n    address: 192.0.2.2\n    port: p1\n    mac: 02:00:00:00:00\n"
        expectError(yaml, line: 24, column: 10, "bad MAC address '02:00:00:00:00'")
    }

    @Test func badIPv4Address() {
        let yaml = Fixture.base + "peers:\n  - name: r2\n    address: 192.0.2.300\n    port: p1\n    mac: 02:00:00:00:00:05\n"
        expectError(yaml, line: 22, column: 14, "bad IPv4 address '192.0.2.300'")
    }

    @Test func badIPv6Address() {
        let yaml = Fixture.base.replacingOccurrences(of: "  name: n1\n", with: "  name: n1\n  srv6-source: 2001:db8::g\n")
        expectError(yaml, line: 3, column: 16, "bad IPv6 address")
    }

    @Test func prefixWithHostBits() {
        let yaml = Fixture.base + "routes:\n  - {prefix: 10.1.2.0/16, port: p1, mac: 02:00:00:00:00:09}\n"
        expectError(yaml, line: 21, column: 14, "host bits must be zero (did you mean 10.1.0.0/16?)")
    }

    @Test func prefixLengthOutOfRange() {
        let yaml = Fixture.base + "routes:\n  - {prefix: 10.1.2.0/33, port: p1, mac: 02:00:00:00:00:09}\n"
        expectError(yaml, line: 21, column: 14, "length must be 0..32")
    }

    @Test func valueOutOfRange() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, dscp: 64}\n", line: 21, column: 23, "'dscp' must be in 0..63")
    }

    @Test func vlanOutOfRange() {
        let yaml = Fixture.base.replacingOccurrences(of: "        port: p1\n", with: "        port: p1\n        vlan: 4095\n")
        expectError(yaml, line: 13, column: 15, "'vlan' must be in 1..4094")
    }

    @Test func badPortRange() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, protocol: tcp, destination-port: 80-x}\n", line: 21, column: 50,
                    "bad port range '80-x'")
    }

    @Test func badEnumValue() {
        expectError(Fixture.base.replacingOccurrences(of: "encapsulation: nsh", with: "encapsulation: gre"),
                    line: 17, column: 20, "bad value 'gre' for 'encapsulation'")
    }

    @Test func badName() {
        expectError(Fixture.base.replacingOccurrences(of: "  name: n1", with: "  name: n 1!"), line: 2, column: 9,
                    "bad name 'n 1!'")
    }

    // MARK: duplicates

    @Test func duplicateRuleName() {
        let yaml = Fixture.base + "rules:\n  - {name: r, chain: c1, protocol: tcp}\n  - {name: r, chain: c1, protocol: udp}\n"
        expectError(yaml, line: 22, column: 12, "duplicate rule name 'r' (first defined at line 21)")
    }

    @Test func duplicatePortName() {
        let yaml = Fixture.base.replacingOccurrences(of: "functions:\n", with: "  - {name: p1, mac: 02:00:00:00:00:0a}\nfunctions:\n")
        expectError(yaml, line: 7, column: 12, "duplicate port name 'p1' (first defined at line 4)")
    }

    @Test func duplicateInstanceName() {
        let yaml = Fixture.base.replacingOccurrences(
            of: "        mac: 02:00:00:00:00:02\n",
            with: "        mac: 02:00:00:00:00:02\n      - {name: i1, port: p1, mac: 02:00:00:00:00:04}\n")
        expectError(yaml, line: 14, column: 16, "duplicate instance name 'i1' (first defined at line 11)")
    }

    @Test func duplicateSPI() {
        let yaml = Fixture.base.replacingOccurrences(
            of: "chains:\n",
            with: "chains:\n  - {name: c0, spi: 1, encapsulation: nsh, hops: [f1], end: {port: p1, mac: 02:00:00:00:00:03}}\n")
        expectError(yaml, line: 17, column: 10, "duplicate SPI 1 (first used at line 15)")
    }

    @Test func duplicateSID() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "sid: fc00:1::a1", with: "sid: fc00:1::d4")
        expectError(yaml, line: 20, column: 14, "duplicate SID fc00:1::d4 (first at line 10)")
    }

    @Test func duplicateRoute() {
        let yaml = Fixture.base + "routes:\n  - {prefix: 10.1.0.0/16, port: p1, mac: 02:00:00:00:00:09}\n"
            + "  - {prefix: 10.1.0.0/16, port: p1, mac: 02:00:00:00:00:0a}\n"
        expectError(yaml, line: 22, column: 14, "duplicate route for 10.1.0.0/16 (first at line 21)")
    }

    // MARK: references

    @Test func unknownChain() {
        expectError(Fixture.base + "rules:\n  - {chain: nope}\n", line: 21, column: 13, "unknown chain 'nope'")
    }

    @Test func unknownPort() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, ingress: p9}\n", line: 21, column: 26, "unknown port 'p9'")
    }

    @Test func unknownFunction() {
        expectError(Fixture.base.replacingOccurrences(of: "hops: [f1]", with: "hops: [f1, f9]"), line: 18, column: 16,
                    "unknown function 'f9'")
    }

    @Test func unknownPeer() {
        let yaml = Fixture.base
            .replacingOccurrences(of: "  name: n1\n", with: "  name: n1\n  ipv4: 192.0.2.1\n")
            .replacingOccurrences(of: "        port: p1\n        mac: 02:00:00:00:00:02\n", with: "        peer: far\n")
        expectError(yaml, line: 13, column: 15, "unknown peer 'far'")
    }

    @Test func missingNodeSettingForPeer() {
        let yaml = Fixture.base
            .replacingOccurrences(of: "        port: p1\n        mac: 02:00:00:00:00:02\n", with: "        peer: far\n")
            + "peers:\n  - {name: far, address: 192.0.2.2, port: p1, mac: 02:00:00:00:00:05}\n"
        expectError(yaml, line: 2, column: 3, "missing key 'ipv4' in node")
    }

    // MARK: chains

    @Test func moreHopsThanStartSI() {
        let yaml = Fixture.base.replacingOccurrences(of: "    hops: [f1]\n", with: "    hops: [f1, f1, f1]\n    start-si: 2\n")
        expectError(yaml, line: 18, column: 20, "more hops than the SI allows")
    }

    @Test func kindDoesNotMatchEncapsulation() {
        let yaml = Fixture.base
            .replacingOccurrences(of: "functions:\n", with: "functions:\n  - {name: sr, kind: sr-aware, instances: "
                                  + "[{name: s1, sid: \"2001:db8::5\", port: p1, mac: \"02:00:00:00:00:05\"}]}\n")
            .replacingOccurrences(of: "hops: [f1]", with: "hops: [f1, sr]")
        expectError(yaml, line: 19, column: 16, "function 'sr' is sr-aware and cannot be a hop of nsh chain 'c1'")
    }

    @Test func nshChainWithoutHops() {
        expectError(Fixture.base.replacingOccurrences(of: "hops: [f1]", with: "hops: []"), line: 18, column: 11,
                    "an nsh chain needs at least one hop")
    }

    @Test func reducedIsNotAnNSHSetting() {
        expectError(Fixture.base + "    reduced: true\n", line: 20, column: 5, "key 'reduced' is not allowed in chain")
    }

    // MARK: NSH metadata

    @Test func md1ContextNeedsFourWords() {
        expectError(Fixture.base + "    metadata: {type: 1, context: [1, 2, 3]}\n", line: 20, column: 34,
                    "exactly 4 words, found 3")
    }

    @Test func md1ContextWordOutOfRange() {
        expectError(Fixture.base + "    metadata: {type: 1, context: [1, 2, 3, 0x100000000]}\n", line: 20, column: 44,
                    "'context' must be in 0..4294967295")
    }

    @Test func md2ValueTooLong() {
        let value = String(repeating: "ab", count: 128)
        expectError(Fixture.base + "    metadata: {type: 2, tlvs: [{class: 0, type: 1, value: \"\(value)\"}]}\n",
                    line: 20, column: 59, "TLV value is 128 bytes")
    }

    @Test func md2ValueNotHex() {
        expectError(Fixture.base + "    metadata: {type: 2, tlvs: [{class: 0, type: 1, value: \"abc\"}]}\n",
                    line: 20, column: 59, "bad TLV value 'abc'")
    }

    @Test func md2ClassOutOfRange() {
        expectError(Fixture.base + "    metadata: {type: 2, tlvs: [{class: 70000, type: 1, value: \"00\"}]}\n",
                    line: 20, column: 40, "'class' must be in 0..65535")
    }

    @Test func md2TypeOutOfRange() {
        expectError(Fixture.base + "    metadata: {type: 2, tlvs: [{class: 0, type: 256, value: \"00\"}]}\n",
                    line: 20, column: 49, "'type' must be in 0..255")
    }

    // MARK: proxies and SIDs

    @Test func unawareFunctionServingTwoHops() {
        let yaml = Fixture.base.replacingOccurrences(of: "kind: nsh-aware", with: "kind: nsh-unaware")
            + "  - name: c2\n    spi: 2\n    encapsulation: nsh\n    hops: [f1]\n    end: {port: p1, mac: 02:00:00:00:00:03}\n"
        expectError(yaml, line: 23, column: 12, "proxy attachment serves two hops: function 'f1' is already a hop of chain 'c1' (line 18)")
    }

    @Test func unawareInstancesSharingReturnAttachment() {
        let yaml = Fixture.base.replacingOccurrences(of: "kind: nsh-aware", with: "kind: nsh-unaware")
            .replacingOccurrences(of: "        mac: 02:00:00:00:00:02\n",
                                  with: "        mac: 02:00:00:00:00:02\n      - {name: i2, port: p1, mac: 02:00:00:00:00:04}\n")
        expectError(yaml, line: 14, column: 9, "instance 'i2' returns on port 'p1' untagged, like instance 'i1' (line 11)")
    }

    @Test func localSIDOutsideLocator() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "sid: fc00:1::a1", with: "sid: fc00:2::a1")
        expectError(yaml, line: 20, column: 14, "proxy SID fc00:2::a1 is outside the node locator fc00:1::/48")
    }

    @Test func chainEndInsideLocatorButNotASID() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "      sid: fc00:1::d4\n", with: "      sid: fc00:1::99\n")
        expectError(yaml, line: 29, column: 12, "chain end SID fc00:1::99 is inside the locator but not listed in 'sids'")
    }

    @Test func chainEndOnNonDecapsulatingSID() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "      sid: fc00:1::d4\n", with: "      sid: fc00:1::e\n")
            + "  - {sid: \"fc00:1::e\", behavior: End}\n"
        // Appending to the chain list would be wrong: put the End SID in `sids`.
        let fixed = yaml.replacingOccurrences(of: "  - {sid: \"fc00:1::e\", behavior: End}\n", with: "")
            .replacingOccurrences(of: "functions:\n", with: "  - {sid: \"fc00:1::e\", behavior: End}\nfunctions:\n")
        expectError(fixed, line: 30, column: 12, "chain end SID fc00:1::e is End")
    }

    @Test func remoteChainEndWithoutRoute() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "      sid: fc00:1::d4\n", with: "      sid: fc00:9::1\n")
        expectError(yaml, line: 29, column: 12, "no route reaches chain end SID fc00:9::1")
    }

    @Test func srAwareSIDWithoutRoute() {
        let yaml = SRv6Fixture.base
            .replacingOccurrences(of: "functions:\n", with: "functions:\n  - {name: aware, kind: sr-aware, instances: [{name: a1, sid: \"fc00:5::1\"}]}\n")
            .replacingOccurrences(of: "hops: [f1]", with: "hops: [f1, aware]")
        expectError(yaml, line: 15, column: 63, "no route reaches SID fc00:5::1 of instance 'a1'")
    }

    @Test func missingLocator() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "  locator: fc00:1::/48\n", with: "")
        expectError(yaml, line: 2, column: 3, "missing key 'locator' in node")
    }

    @Test func missingSRv6Source() {
        let yaml = SRv6Fixture.base.replacingOccurrences(of: "  srv6-source: 2001:db8::1\n", with: "")
        expectError(yaml, line: 2, column: 3, "missing key 'srv6-source' in node")
    }

    // MARK: rules that can never match

    @Test func emptyPortRange() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, protocol: tcp, destination-port: 90-80}\n", line: 21, column: 50,
                    "empty port range 90-80")
    }

    @Test func portsWithoutTCPOrUDP() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, protocol: icmp, destination-port: 80}\n", line: 21, column: 51,
                    "ports need protocol tcp or udp")
    }

    @Test func portsWithoutProtocol() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, source-port: 80}\n", line: 21, column: 30,
                    "ports need protocol tcp or udp")
    }

    @Test func mixedAddressFamilies() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, source: 10.0.0.0/8, destination: \"2001:db8::/32\"}\n",
                    line: 21, column: 50, "source is IPv4 but destination is IPv6")
    }

    @Test func icmpv6WithIPv4() {
        expectError(Fixture.base + "rules:\n  - {chain: c1, protocol: icmpv6, source: 10.0.0.0/8}\n", line: 21, column: 27,
                    "icmpv6 with IPv4 addresses")
    }

    @Test func shadowedByEarlierRule() {
        let yaml = Fixture.base + "rules:\n  - {name: web, chain: c1, protocol: tcp, destination-port: 80}\n"
            + "  - {name: web-10, chain: c1, protocol: tcp, source: 10.0.0.0/8, destination-port: 80}\n"
        expectError(yaml, line: 22, column: 5, "rule 'web-10' can never match: rule 'web' (line 21)")
    }

    @Test func shadowedByLowerPriorityValueLaterInFile() {
        let yaml = Fixture.base + "rules:\n  - {name: narrow, priority: 50, chain: c1, source: 10.1.0.0/16}\n"
            + "  - {name: broad, priority: 10, chain: c1, source: 10.0.0.0/8}\n"
        expectError(yaml, line: 21, column: 5, "rule 'narrow' can never match: rule 'broad' (line 22)")
    }

    @Test func shadowedPortRange() {
        let yaml = Fixture.base + "rules:\n  - {name: high, chain: c1, protocol: udp, destination-port: 1024-65535}\n"
            + "  - {name: rtp, chain: c1, protocol: udp, destination-port: 16384-32767, dscp: 46}\n"
        expectError(yaml, line: 22, column: 5, "rule 'rtp' can never match: rule 'high' (line 21)")
    }

    // MARK: files

    @Test func missingFileIsADiagnostic() {
        let path = "/nonexistent-dir/chains.yaml"
        let (config, diagnostics) = ChainFile.load(path: path)
        #expect(config == nil)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.rendered == "\(path):1:1: error: no such file")
    }

    /// A reload request may name any path: a device or a FIFO is refused, never read.
    @Test func aFileThatIsNotRegularIsRefusedUnread() throws {
        let (config, diagnostics) = ChainFile.load(path: "/dev/zero")
        #expect(config == nil && diagnostics.map(\.rendered) == ["/dev/zero:1:1: error: not a regular file"])
        let fifo = NSTemporaryDirectory() + "sfc-fifo-\(getpid())"
        defer { unlink(fifo) }
        try #require(mkfifo(fifo, 0o600) == 0)
        #expect(ChainFile.load(path: fifo).diagnostics.map(\.message) == ["not a regular file"])
        #expect(ChainFile.load(path: "/tmp").diagnostics.map(\.message) == ["not a regular file"])
    }

    /// docs/SECURITY.md: the daemon (root) refuses a chain file any local user
    /// may write and warns about one another user owns or a group may write;
    /// offline reading (`chain-trace check`) does not judge the file's mode.
    @Test func theDaemonRefusesAChainFileOthersMayWriteAndWarnsAboutOtherOwners() throws {
        let path = NSTemporaryDirectory() + "sfc-mode-\(getpid()).yaml"
        defer { unlink(path) }
        try Fixture.base.write(toFile: path, atomically: false, encoding: .utf8)
        try #require(chmod(path, 0o644) == 0)
        let clean = ChainFile.load(path: path, options: .daemon)
        #expect(clean.config != nil && clean.diagnostics.isEmpty, "\(clean.diagnostics.map(\.rendered))")

        try #require(chmod(path, 0o666) == 0)
        let open = ChainFile.load(path: path, options: .daemon)
        #expect(open.config == nil)
        #expect(open.diagnostics.map(\.rendered) == ["\(path):1:1: error: writable by any local user (mode 666), who could "
                                                    + "change where traffic goes; run `chmod o-w \(path)`"])
        #expect(ChainFile.load(path: path).config != nil)
        guard case .refused = ChainFile.readText(path: path, checkOwnership: true) else {
            Issue.record("readText for the daemon read a file others may write"); return
        }

        try #require(chmod(path, 0o664) == 0)
        let group = ChainFile.load(path: path, options: .daemon)
        #expect(group.config != nil)
        #expect(group.diagnostics.map(\.severity) == [.warning])
        #expect(group.diagnostics.first?.message.hasPrefix("writable by its group") == true)

        // Another owner (needs root to give the file away; make test runs as root).
        guard geteuid() == 0 else { return }
        try #require(chmod(path, 0o644) == 0 && chown(path, 65534, 65534) == 0)
        let other = ChainFile.load(path: path, options: .daemon)
        #expect(other.config != nil)
        #expect(other.diagnostics.map(\.rendered) == ["\(path):1:1: warning: owned by uid 65534, not by root: "
                                                     + "that user can change where traffic goes"])
    }

    @Test func allErrorsAreReported() {
        let yaml = Fixture.base + "rules:\n  - {chain: nope}\n  - {chain: c1, dscp: 99}\n  - {chain: c1, bogus: 1}\n"
        let (config, diagnostics) = compile(yaml)
        #expect(config == nil)
        #expect(diagnostics.filter { $0.severity == .error }.map(\.line) == [21, 22, 23])
    }

    // MARK: warnings

    @Test func unusedFunctionWarning() {
        let yaml = Fixture.base.replacingOccurrences(
            of: "functions:\n",
            with: "functions:\n  - {name: spare, kind: nsh-aware, instances: [{name: s1, port: p1, mac: \"02:00:00:00:00:07\"}]}\n")
        expectWarning(yaml, line: 8, column: 5, "function 'spare' is not a hop of any chain")
    }

    @Test func unusedPortWarning() {
        let yaml = Fixture.base.replacingOccurrences(of: "functions:\n", with: "  - {name: spare-port, mac: \"02:00:00:00:00:08\"}\nfunctions:\n")
        expectWarning(yaml, line: 7, column: 5, "port 'spare-port' is not used")
    }

    @Test func mtuWarning() {
        let yaml = Fixture.base.replacingOccurrences(
            of: "    trusted: true\n",
            with: "    trusted: true\n    mtu: 1510\n  - {name: access, mac: \"02:00:00:00:00:0a\", mtu: 1500}\n")
        expectWarning(yaml, line: 17, column: 5,
                      "chain 'c1': a 1500-byte packet from port 'access' grows by 24 bytes of NSH to 1524 bytes, above the 1510-byte MTU of port 'p1'")
    }
}

enum SRv6Fixture {
    /// A minimal valid SRv6 file of exactly 29 lines.
    static let base = """
        node:
          name: n1
          srv6-source: 2001:db8::1
          locator: fc00:1::/48
        ports:
          - name: p1
            mac: 02:00:00:00:00:01
            trusted: true
        sids:
          - sid: fc00:1::d4
            behavior: End.DX4
            port: p1
            mac: 02:00:00:00:00:09
        functions:
          - name: f1
            kind: sr-unaware
            proxy: static
            instances:
              - name: i1
                sid: fc00:1::a1
                port: p1
                mac: 02:00:00:00:00:02
        chains:
          - name: c1
            spi: 1
            encapsulation: srv6
            hops: [f1]
            end:
              sid: fc00:1::d4

        """
}
