// A function's health:, fail: and affinity-idle: keys: defaults, every key
// compiled into the model, each error at its exact position, the warning.
import SFCConfig
import SFCCore
import Testing

/// A valid file whose function `fw` (two instances) ends with `keys`,
/// written as function keys without indentation: its first line is line 10,
/// and a function key starts in column 5.
enum HealthFixture {
    enum Shape { case nshUnaware, nshAware, nshAwareBehindPeers, srAware }

    static func file(_ keys: String, _ shape: Shape = .nshUnaware) -> String {
        let node: String, kind: String, instances: String, chain: String, tail: String
        switch shape {
        case .nshUnaware, .nshAware:
            node = "{name: n1}"
            kind = shape == .nshAware ? "nsh-aware" : "nsh-unaware"
            instances = """
                      - {name: fw-1, port: p1, mac: "02:00:00:00:00:02"}
                      - {name: fw-2, port: p1, mac: "02:00:00:00:00:04", vlan: 10}
                """
            chain = "{name: c1, spi: 1, encapsulation: nsh, hops: [fw], end: {port: p1, mac: \"02:00:00:00:00:03\"}}"
            tail = ""
        case .nshAwareBehindPeers:
            node = "{name: n1, ipv4: 192.0.2.1}"
            kind = "nsh-aware"
            instances = """
                      - {name: fw-1, peer: e2}
                      - {name: fw-2, peer: e2}
                """
            chain = "{name: c1, spi: 1, encapsulation: nsh, hops: [fw], end: {port: p1, mac: \"02:00:00:00:00:03\"}}"
            tail = "peers:\n  - {name: e2, address: 192.0.2.2, port: p1, mac: \"02:00:00:00:00:05\"}\n"
        case .srAware:
            node = "{name: n1, srv6-source: \"2001:db8::1\"}"
            kind = "sr-aware"
            instances = """
                      - {name: fw-1, sid: "fc00:2::a1", port: p1, mac: "02:00:00:00:00:02"}
                      - {name: fw-2, sid: "fc00:2::a2", port: p1, mac: "02:00:00:00:00:04"}
                """
            chain = "{name: c1, spi: 1, encapsulation: srv6, hops: [fw], end: {sid: \"fc00:2::d4\"}}"
            tail = "routes:\n  - {prefix: \"fc00:2::/48\", port: p1, mac: \"02:00:00:00:00:03\"}\n"
        }
        let indented = keys.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
        return """
            node: \(node)
            ports:
              - {name: p1, mac: "02:00:00:00:00:01", trusted: true}
            functions:
              - name: fw
                kind: \(kind)
                instances:
            \(instances)
            \(indented)
            chains:
              - \(chain)

            """ + tail
    }

    static func function(_ keys: String, _ shape: Shape = .nshUnaware,
                         sourceLocation: SourceLocation = #_sourceLocation) -> FunctionConfig? {
        let (config, diagnostics) = compile(file(keys, shape))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered))", sourceLocation: sourceLocation)
        return config?.functions.first
    }
}

@Suite struct HealthSectionTests {
    static let a = IPv4Address("10.77.1.250")!
    static let b = IPv4Address("10.77.2.250")!

    @Test func withoutTheKeysNothingIsProbed() throws {
        let f = try #require(HealthFixture.function(""))
        #expect(f.health == nil && f.fail == .closed)
        #expect(f.affinityIdleMilliseconds == 30_000 && f.affinityIdleMilliseconds == SharedSpec.SFC_AFFINITY_IDLE_DEFAULT_MS)
        for shape in [HealthFixture.Shape.nshAware, .srAware] { #expect(HealthFixture.function("", shape) != nil) }
    }

    @Test func anEmptyHealthSectionTakesTheDefaults() throws {
        let f = try #require(HealthFixture.function("health: {}"))
        #expect(f.health == HealthConfig())
        #expect(f.health == HealthConfig(intervalMilliseconds: 100, misses: 3, rise: 3,
                                         probe: ProbeTuple(proto: 1, source: IPv4Address("198.18.0.1")!,
                                                           destination: IPv4Address("198.18.0.2")!),
                                         negative: nil))
        #expect(f.fail == .closed)
    }

    @Test func everyKeyIsParsed() throws {
        let f = try #require(HealthFixture.function("""
            affinity-idle: 2m
            health:
              interval: 1.5s
              misses: 5
              rise: 2
              fail: open
              probe: {protocol: udp, source: 10.77.1.250, destination: 10.77.2.250, source-port: 5000, destination-port: 53}
              negative: {protocol: tcp, source: 10.77.1.250, destination: 10.77.2.250, destination-port: 23}
            """))
        #expect(f.affinityIdleMilliseconds == 120_000 && f.fail == .open)
        let h = try #require(f.health)
        #expect(h.intervalMilliseconds == 1500 && h.misses == 5 && h.rise == 2)
        #expect(h.probe == ProbeTuple(proto: IPProtocolNumber.udp, source: Self.a, destination: Self.b,
                                      sourcePort: 5000, destinationPort: 53))
        #expect(h.negative == ProbeTuple(proto: IPProtocolNumber.tcp, source: Self.a, destination: Self.b,
                                         sourcePort: 49152, destinationPort: 23))
    }

    @Test func portsDefaultForUDPAndTCPAndAreZeroForICMP() throws {
        let udp = try #require(HealthFixture.function("health:\n  probe: {protocol: UDP, source: 10.77.1.250, destination: 10.77.2.250}"))
        #expect(udp.health?.probe == ProbeTuple(proto: IPProtocolNumber.udp, source: Self.a, destination: Self.b,
                                                sourcePort: 49152, destinationPort: 33434))
        let icmp = try #require(HealthFixture.function("health:\n  probe: {source: 10.77.1.250, destination: 10.77.2.250}"))
        #expect(icmp.health?.probe == ProbeTuple(proto: IPProtocolNumber.icmp, source: Self.a, destination: Self.b))
        // Negative against the default probe, and a negative that differs only by port.
        let negative = try #require(HealthFixture.function("""
            health:
              probe: {protocol: tcp, source: 10.77.1.250, destination: 10.77.2.250, destination-port: 104}
              negative: {protocol: tcp, source: 10.77.1.250, destination: 10.77.2.250, destination-port: 23}
            """))
        #expect(negative.health?.negative?.destinationPort == 23 && negative.health?.probe.destinationPort == 104)
    }

    @Test func failAloneOnTheFunction() throws {
        let f = try #require(HealthFixture.function("fail: open"))
        #expect(f.fail == .open && f.health == nil)
        #expect(HealthFixture.function("fail: closed", .srAware)?.fail == .closed)
    }

    @Test func durationBoundsAndUnits() throws {
        #expect(HealthFixture.function("health: {interval: 10ms}")?.health?.intervalMilliseconds == 10)
        #expect(HealthFixture.function("health: {interval: 10s}")?.health?.intervalMilliseconds == 10_000)
        #expect(HealthFixture.function("health: {interval: 0.25s}")?.health?.intervalMilliseconds == 250)
        #expect(HealthFixture.function("affinity-idle: 1s")?.affinityIdleMilliseconds == 1000)
        #expect(HealthFixture.function("affinity-idle: 24h")?.affinityIdleMilliseconds == 86_400_000)
        #expect(HealthFixture.function("affinity-idle: 1500ms")?.affinityIdleMilliseconds == 1500)
    }

    @Test func healthOnSeveralKindsCompiles() throws {
        #expect(HealthFixture.function("health: {misses: 2}", .nshAware)?.health?.misses == 2)
    }

    // MARK: errors

    @Test func unknownKeys() {
        expectError(HealthFixture.file("health:\n  intervall: 1s"), line: 11, column: 7,
                    "unknown key 'intervall' in health; expected one of: fail, interval, misses, negative, probe, rise")
        expectError(HealthFixture.file("health:\n  probe: {protocol: tcp, dport: 23, source: 10.0.0.1, destination: 10.0.0.2}"),
                    line: 11, column: 30, "unknown key 'dport' in probe; expected one of: destination, destination-port")
        expectError(HealthFixture.file("health:\n  negative: {src: 10.0.0.1, destination: 10.0.0.2}"),
                    line: 11, column: 18, "unknown key 'src' in negative probe")
        expectError(HealthFixture.file("healthcheck: {}"), line: 10, column: 5, "unknown key 'healthcheck' in function")
    }

    @Test func healthMustBeAMapping() {
        expectError(HealthFixture.file("health: yes"), line: 10, column: 13, "expected health as a mapping, found 'yes'")
        expectError(HealthFixture.file("health:"), line: 10, column: 12, "expected health as a mapping, found nothing")
    }

    @Test func badInterval() {
        expectError(HealthFixture.file("health:\n  interval: 5ms"), line: 11, column: 17, "'interval' must be in 10ms..10s, found 5ms")
        expectError(HealthFixture.file("health:\n  interval: 11s"), line: 11, column: 17, "'interval' must be in 10ms..10s, found 11s")
        expectError(HealthFixture.file("health:\n  interval: 100"), line: 11, column: 17,
                    "bad duration '100' for 'interval': expected a number with a unit (ms, s, m or h), e.g. 100ms or 1.5s")
        expectError(HealthFixture.file("health:\n  interval: fast"), line: 11, column: 17, "bad duration 'fast' for 'interval'")
        expectError(HealthFixture.file("health:\n  interval: 0.5ms"), line: 11, column: 17, "bad duration '0.5ms'")
        expectError(HealthFixture.file("health:\n  interval: -1s"), line: 11, column: 17, "bad duration '-1s'")
    }

    @Test func missesAndRiseOutOfRange() {
        expectError(HealthFixture.file("health:\n  misses: 0"), line: 11, column: 15, "'misses' must be in 1..100, found 0")
        expectError(HealthFixture.file("health:\n  rise: 101"), line: 11, column: 13, "'rise' must be in 1..100, found 101")
        expectError(HealthFixture.file("health:\n  rise: three"), line: 11, column: 13, "expected an integer for 'rise'")
    }

    @Test func failIsClosedOrOpen() {
        expectError(HealthFixture.file("health:\n  fail: bypass"), line: 11, column: 13,
                    "bad value 'bypass' for 'fail': expected closed | open")
        expectError(HealthFixture.file("fail: half"), line: 10, column: 11, "bad value 'half' for 'fail'")
        expectError(HealthFixture.file("fail: open\nhealth:\n  fail: closed"), line: 12, column: 13,
                    "'fail' is given twice: on the function (line 10) and in its health section")
    }

    @Test func srAwareFunctions() {
        expectError(HealthFixture.file("fail: open", .srAware), line: 10, column: 11,
                    "an sr-aware function cannot fail open: its SID is processed by other nodes, so this forwarder cannot bypass it")
        // Their probes return to the node's probe SID, which must exist.
        expectError(HealthFixture.file("health: {}", .srAware), line: 1, column: 7,
                    "missing key 'probe-sid' in node: sr-aware function 'fw' is health-checked")
        let plain = "node: {name: n1, srv6-source: \"2001:db8::1\"}"
        func node(_ keys: String, _ health: String = "health: {interval: 20ms}") -> String {
            HealthFixture.file(health, .srAware).replacingOccurrences(of: plain, with: "node: {name: n1, srv6-source: \"2001:db8::1\", \(keys)}")
        }
        let (config, diagnostics) = compile(node("locator: \"fc00:1::/48\", probe-sid: \"fc00:1::fe\""))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered))")
        #expect(config?.node.probeSID == IPv6Address("fc00:1::fe"))
        #expect(config?.functions.first?.health?.intervalMilliseconds == 20)
        expectError(node("locator: \"fc00:1::/48\", probe-sid: \"fc00:9::fe\""), line: 1, column: 81,
                    "probe SID fc00:9::fe is outside the node locator fc00:1::/48")
        expectError(node("probe-sid: \"fc00:1::fe\""), line: 1, column: 7, "missing key 'locator' in node")
        // Both at once: each is reported where it is.
        let yaml = node("locator: \"fc00:1::/48\", probe-sid: \"fc00:1::fe\"", "health:\n  fail: open")
        expectError(yaml, line: 11, column: 13, "an sr-aware function cannot fail open")
    }

    @Test func theProbeBehaviourIsNotWrittenInSids() {
        let yaml = """
            node: {name: n1, locator: "fc00:1::/48"}
            ports:
              - {name: p1, mac: "02:00:00:00:00:01", trusted: true}
            sids:
              - {sid: "fc00:1::fe", behavior: probe}

            """
        expectError(yaml, line: 5, column: 35, "the probe SID is the node's 'probe-sid', not an entry of 'sids'")
    }

    @Test func portsOnAnICMPHeartbeat() {
        expectError(HealthFixture.file("health:\n  probe: {source: 10.0.0.1, destination: 10.0.0.2, destination-port: 7}"),
                    line: 11, column: 56,
                    "key 'destination-port' is not allowed in probe: an ICMP heartbeat has no ports; use protocol udp or tcp")
        expectError(HealthFixture.file("health:\n  negative: {protocol: icmp, source-port: 7, source: 10.0.0.1, destination: 10.0.0.2}"),
                    line: 11, column: 34, "key 'source-port' is not allowed in negative probe: an ICMP heartbeat has no ports")
    }

    @Test func badProtocolAndPorts() {
        expectError(HealthFixture.file("health:\n  probe: {protocol: icmpv6, source: 10.0.0.1, destination: 10.0.0.2}"),
                    line: 11, column: 25, "bad protocol 'icmpv6' for a heartbeat: expected icmp, udp or tcp")
        expectError(HealthFixture.file("health:\n  probe: {protocol: 17, source: 10.0.0.1, destination: 10.0.0.2}"),
                    line: 11, column: 25, "bad protocol '17' for a heartbeat")
        expectError(HealthFixture.file("health:\n  probe: {protocol: udp, source: 10.0.0.1, destination: 10.0.0.2, source-port: 0}"),
                    line: 11, column: 84, "'source-port' must be in 1..65535, found 0")
    }

    @Test func addresses() {
        expectError(HealthFixture.file("health:\n  probe: {source: \"2001:db8::1\", destination: 10.0.0.2}"),
                    line: 11, column: 23, "'source' must be an IPv4 address, found the IPv6 address '2001:db8::1': heartbeats are IPv4 packets")
        expectError(HealthFixture.file("health:\n  probe: {source: 10.0.0.1, destination: 10.0.0.300}"),
                    line: 11, column: 46, "bad IPv4 address '10.0.0.300' for 'destination'")
        expectError(HealthFixture.file("health:\n  probe: {source: 10.0.0.1}"), line: 11, column: 14,
                    "missing key 'destination' in probe: a heartbeat needs both its source and destination address")
        expectError(HealthFixture.file("health:\n  negative: {protocol: tcp, destination-port: 23}"), line: 11, column: 17,
                    "missing key 'source' in negative probe")
    }

    @Test func aNegativeHeartbeatIdenticalToTheProbe() {
        expectError(HealthFixture.file("""
            health:
              probe: {protocol: tcp, source: 10.77.1.250, destination: 10.77.2.250, destination-port: 23}
              negative: {protocol: tcp, source: 10.77.1.250, destination: 10.77.2.250, destination-port: 23}
            """), line: 12, column: 17,
            "the negative heartbeat is the same packet as the probe (tcp 10.77.1.250:49152 -> 10.77.2.250:23): "
            + "the function cannot pass one and drop the other")
        expectError(HealthFixture.file("health:\n  negative: {source: 198.18.0.1, destination: 198.18.0.2}"), line: 11, column: 17,
                    "the negative heartbeat is the same packet as the probe (icmp 198.18.0.1 -> 198.18.0.2, the default)")
    }

    @Test func affinityIdleOutOfRange() {
        expectError(HealthFixture.file("affinity-idle: 500ms"), line: 10, column: 20, "'affinity-idle' must be in 1s..24h, found 500ms")
        expectError(HealthFixture.file("affinity-idle: 25h"), line: 10, column: 20, "'affinity-idle' must be in 1s..24h, found 25h")
        expectError(HealthFixture.file("affinity-idle: 30"), line: 10, column: 20, "bad duration '30' for 'affinity-idle'")
    }

    // MARK: the warning

    @Test func healthOnInstancesThatOnlyRemoteSFFsReach() throws {
        expectWarning(HealthFixture.file("health: {}", .nshAwareBehindPeers), line: 10, column: 5,
                      "function 'fw' has health, but every instance sits behind a remote SFF (peer): "
                      + "those are probed by their own SFF, not from this node")
        let (config, diagnostics) = compile(HealthFixture.file("health: {}", .nshAwareBehindPeers))
        #expect(diagnostics.count == 1 && config?.functions.first?.health == HealthConfig())
        #expect(HealthFixture.function("", .nshAwareBehindPeers) != nil)
    }
}
