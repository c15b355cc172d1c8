// The lab: section (sfc-lab): what it resolves to, that the compiler
// ignores it, and each mistake reported at its exact position.
import Foundation
import SFCConfig
import SFCCore
import SFCLabConfig
import Testing

@Suite struct LabSectionTests {
    /// An SRv6 chain through an End.AS firewall and an SR-aware function, with a lab.
    static let chains = """
        node: {name: n1, srv6-source: "2001:db8::1", locator: "fc00:1::/48"}
        ports:
          - {name: c, mac: "02:00:00:00:00:01", interface: lab-c}
          - {name: s, mac: "02:00:00:00:00:02"}
          - {name: f, mac: "02:00:00:00:00:03"}
          - {name: r, mac: "02:00:00:00:00:04", trusted: true, mtu: 1600}
        sids:
          - {sid: "fc00:1::d4", behavior: End.DX4, port: s, mac: "02:00:00:00:02:01"}
        functions:
          - name: fw
            kind: sr-unaware
            proxy: static
            instances: [{name: fw-1, sid: "fc00:1::f1", port: f, mac: "02:00:00:00:03:01"}]
          - name: end
            kind: sr-aware
            instances: [{name: end-1, sid: "fc00:2::e", port: r, mac: "02:00:00:00:04:01"}]
        chains:
          - {name: c1, spi: 1, encapsulation: srv6, hops: [fw, end], end: {sid: "fc00:1::d4"}}
        rules:
          - {name: r1, chain: c1, ingress: c, source: 10.0.1.0/24, destination: 10.0.2.0/24}

        """

    static let lab = """
        lab:
          hosts:
            - {name: client, port: c, mac: "02:00:00:00:01:01", address: 10.0.1.2/24, routes: [10.0.2.0/24]}
            - {name: server, port: s, mac: "02:00:00:00:02:01", address: 10.0.2.2/24, gateway: 10.0.2.254, routes: [10.0.1.0/24]}
          vnfs:
            - name: firewall
              kind: firewall
              allow: [icmp, tcp/104]
              links: [{instance: fw-1, address: 10.0.10.2/24, routes: [10.0.2.0/24]}]
            - name: sr
              kind: seg6local
              action: End
              links: [{instance: end-1, routes: ["fc00:1::/48"]}]
          traffic: {from: client, to: server, tcp: [104, 11112], http: {port: 8080, requests: 4}, blocked: [23]}

        """

    static let file = "lab.yaml"

    static func parse(_ yaml: String) -> (config: CompiledConfig?, lab: LabDescription?, diagnostics: [Diagnostic]) {
        LabChainFile.parse(text: yaml, file: file)
    }

    /// The 1-based line and column of the first occurrence of `marker`.
    static func position(of marker: String, in text: String) -> (line: Int, column: Int)? {
        guard let range = text.range(of: marker) else { return nil }
        let before = text[..<range.lowerBound]
        let line = before.filter { $0 == "\n" }.count + 1
        let column = before.count - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
        return (line, column)
    }

    /// `lab` with `old` replaced by `new`: rejected, with an error containing `fragment`
    /// at the position of `at` (a substring of the new text).
    func expectLabError(replacing old: String, with new: String, at marker: String, _ fragment: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Self.lab.contains(old), "the fixture has no '\(old)'", sourceLocation: sourceLocation)
        let yaml = Self.chains + Self.lab.replacingOccurrences(of: old, with: new)
        let (config, lab, diagnostics) = Self.parse(yaml)
        #expect(config == nil && lab == nil, "an erroneous lab must reject the file", sourceLocation: sourceLocation)
        guard let hit = diagnostics.first(where: { $0.severity == .error && $0.message.contains(fragment) }) else {
            Issue.record("no error containing '\(fragment)'; got:\n\(diagnostics.map(\.rendered).joined(separator: "\n"))",
                         sourceLocation: sourceLocation)
            return
        }
        guard let at = Self.position(of: marker, in: yaml) else {
            Issue.record("no '\(marker)' in the text", sourceLocation: sourceLocation)
            return
        }
        #expect("\(hit.line):\(hit.column)" == "\(at.line):\(at.column)", "\(hit.rendered)", sourceLocation: sourceLocation)
        #expect(hit.rendered.hasPrefix("\(Self.file):\(hit.line):\(hit.column): error: "), sourceLocation: sourceLocation)
    }

    @Test func aFullSectionResolvesAgainstThePortsAndInstances() throws {
        let (config, lab, diagnostics) = Self.parse(Self.chains + Self.lab)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered))")
        #expect(config != nil)
        let resolved = try #require(lab)
        #expect(resolved.hosts.map(\.name) == ["client", "server"])
        let client = resolved.hosts[0], server = resolved.hosts[1]
        #expect(client.port == "c" && client.mac.description == "02:00:00:00:01:01" && client.address.description == "10.0.1.2/24")
        // The gateway defaults to the subnet's first address (the forwarder port's side).
        #expect(client.gateway.description == "10.0.1.1" && server.gateway.description == "10.0.2.254")
        #expect(client.routes.map(\.description) == ["10.0.2.0/24"])

        let firewall = try #require(resolved.vnfs.first { $0.name == "firewall" })
        #expect(firewall.kind == .firewall && firewall.allow.map(\.description) == ["icmp", "tcp/104"] && firewall.action == nil)
        let link = try #require(firewall.links.first)
        // Port, MAC and SID come from the instance.
        #expect(link.instance == "fw-1" && link.function == "fw" && link.port == "f" && link.mac.description == "02:00:00:00:03:01")
        #expect(link.address?.description == "10.0.10.2/24" && link.gateway?.description == "10.0.10.1")
        #expect(link.routes4.map(\.description) == ["10.0.2.0/24"] && link.routes6.isEmpty)

        let sr = try #require(resolved.vnfs.first { $0.name == "sr" })
        #expect(sr.kind == .seg6local && sr.action == "End")
        #expect(sr.links.first?.sid?.description == "fc00:2::e" && sr.links.first?.port == "r" && sr.links.first?.address == nil)
        #expect(sr.links.first?.routes6.map(\.description) == ["fc00:1::/48"])

        let traffic = try #require(resolved.traffic)
        #expect(traffic.from == "client" && traffic.to == "server" && traffic.ping == 3 && traffic.tcp == [104, 11112])
        #expect(traffic.tcpBytes == 1 << 20 && traffic.httpPort == 8080 && traffic.httpRequests == 4 && traffic.blocked == [23])
    }

    @Test func theCompilerIgnoresTheSection() {
        let with = Self.parse(Self.chains + Self.lab), without = Self.parse(Self.chains)
        #expect(with.config != nil && with.config == without.config)
        #expect(without.lab == nil && without.diagnostics.isEmpty)
        // ChainFile.parse (what the forwarder uses) accepts it too...
        #expect(ChainFile.parse(text: Self.chains + Self.lab, file: Self.file).config == with.config)
        // ...and, without the lab handler, does not read it: a lab mistake does not stop the forwarder.
        let broken = ChainFile.parse(text: Self.chains + Self.lab.replacingOccurrences(of: "kind: firewall", with: "kind: firewal"),
                                     file: Self.file)
        #expect(broken.config == with.config && broken.diagnostics.isEmpty)
        #expect(Self.parse(Self.chains + Self.lab.replacingOccurrences(of: "kind: firewall", with: "kind: firewal")).config == nil)
    }

    @Test func theDemoChainFileHasALab() throws {
        let path = Fixture.repoRoot.appendingPathComponent("Chains/hospital-lab.yaml").path
        let (config, lab, diagnostics) = LabChainFile.load(path: path)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered).joined(separator: "\n"))")
        let resolved = try #require(lab)
        let kinds = Set(resolved.vnfs.map(\.kind))
        #expect(kinds == Set(LabDescription.VNFKind.allCases), "the demo covers every VNF kind: \(kinds)")
        // Every port is wired to a host or a VNF.
        let wired = Set(resolved.hosts.map(\.port) + resolved.vnfs.flatMap { $0.links.map(\.port) })
        #expect(wired == Set(try #require(config).ports.map(\.name)))
        #expect(resolved.traffic?.blocked.isEmpty == false)
    }

    @Test func unknownKeys() {
        expectLabError(replacing: "  traffic:", with: "  trafic:", at: "trafic:", "unknown key 'trafic' in lab")
        expectLabError(replacing: "gateway: 10.0.2.254", with: "gw: 10.0.2.254", at: "gw:", "unknown key 'gw' in lab host")
        expectLabError(replacing: "action: End", with: "action: End\n      sid: x", at: "sid: x", "unknown key 'sid' in lab vnf")
        expectLabError(replacing: "{instance: end-1,", with: "{instance: end-1, mtu: 9000,", at: "mtu: 9000",
                       "unknown key 'mtu' in lab link")
        expectLabError(replacing: "requests: 4", with: "requests: 4, path: /", at: "path: /", "unknown key 'path' in lab traffic http")
    }

    @Test func referencesToUnknownPortsInstancesAndHosts() {
        expectLabError(replacing: "port: c,", with: "port: nope,", at: "nope", "unknown port 'nope' in lab host")
        expectLabError(replacing: "instance: fw-1", with: "instance: fw-9", at: "fw-9", "unknown instance 'fw-9' in lab link")
        expectLabError(replacing: "to: server", with: "to: pacs", at: "pacs", "unknown lab host 'pacs' in lab traffic")
    }

    @Test func aPortWiredTwiceAndNamesUsedTwice() {
        expectLabError(replacing: "port: s,", with: "port: c,", at: "c, mac: \"02:00:00:00:02:01\"",
                       "port 'c' is wired twice in the lab")
        expectLabError(replacing: "name: sr\n", with: "name: firewall\n", at: "firewall\n      kind: seg6local",
                       "lab name 'firewall' is used twice")
        expectLabError(replacing: "name: sr\n", with: "name: sff\n", at: "sff\n", "lab name 'sff' is the forwarder's own namespace")
    }

    @Test func kindsAndTheirKeys() {
        expectLabError(replacing: "kind: firewall", with: "kind: router", at: "router", "bad value 'router' for 'kind'")
        expectLabError(replacing: "      allow: [icmp, tcp/104]\n", with: "", at: "name: firewall", "missing key 'allow' in lab vnf")
        expectLabError(replacing: "tcp/104]", with: "tcp/70000]", at: "tcp/70000", "bad firewall rule 'tcp/70000'")
        expectLabError(replacing: "action: End", with: "action: End.DX4", at: "End.DX4\n", "bad seg6local action 'End.DX4'")
        expectLabError(replacing: "kind: seg6local\n      action: End", with: "kind: inspect\n      action: End",
                       at: "action: End", "key 'action' is not allowed in lab vnf")
        // A seg6local function serves sr-aware instances; routers serve unaware ones.
        expectLabError(replacing: "{instance: end-1, routes", with: "{instance: fw-1, routes", at: "fw-1, routes",
                       "a vnf of kind seg6local serves an sr-aware instance; 'fw-1' is sr-unaware")
        expectLabError(replacing: "kind: seg6local\n      action: End", with: "kind: nsh-aware", at: "end-1, routes",
                       "a vnf of kind nsh-aware serves an nsh-aware instance; 'end-1' is sr-aware")
        expectLabError(replacing: "kind: seg6local\n      action: End", with: "kind: nsh-aware", at: "routes: [\"fc00",
                       "key 'routes' is not allowed in lab link: an nsh-aware function sends every frame back")
        expectLabError(replacing: "{instance: end-1, routes", with: "{instance: end-1, address: 10.0.9.2/24, routes",
                       at: "address: 10.0.9.2/24", "key 'address' is not allowed in lab link")
    }

    @Test func addressesAndRoutes() {
        expectLabError(replacing: "address: 10.0.1.2/24", with: "address: 10.0.1.2", at: "10.0.1.2,",
                       "bad interface address '10.0.1.2' for 'address'")
        expectLabError(replacing: "address: 10.0.1.2/24", with: "address: 10.0.1.1/24", at: "10.0.1.1/24",
                       "is the subnet's first address")
        expectLabError(replacing: "routes: [10.0.2.0/24]}\n    - {name: server", with: "routes: [\"fc00::/16\"]}\n    - {name: server",
                       at: "\"fc00::/16\"", "a lab host routes IPv4 only")
        expectLabError(replacing: "routes: [\"fc00:1::/48\"]", with: "routes: [10.0.0.0/8]", at: "10.0.0.0/8",
                       "a seg6local link routes IPv6 only")
        expectLabError(replacing: "routes: [10.0.2.0/24]}]", with: "routes: [10.0.2.1/24]}]", at: "10.0.2.1/24",
                       "host bits must be zero")
        expectLabError(replacing: "{instance: fw-1, address: 10.0.10.2/24,", with: "{instance: fw-1,", at: "{instance: fw-1",
                       "missing key 'address' in lab link")
    }
}
