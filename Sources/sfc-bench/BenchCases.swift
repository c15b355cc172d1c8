// The cases `sfc-bench` measures: for each, a chain file (two
// trusted ports, p0 and p1), the classifier rules it adds, and the template
// packet the traffic source puts into every received mbuf. A template is
// made by the reference pipeline itself (and for the SID cases edited to
// address a local SID), then checked: it must be forwarded by the expected
// behaviour from either port, so a case can never quietly measure drops.
import SFCConfig
import SFCCore

public struct BenchCase: Sendable {
    public var name: String
    public var summary: String
    public var config: CompiledConfig
    public var template: [UInt8]
    /// The step the template must take (the last one recorded).
    public var step: Step
    /// Distinct flows the source sends: packet k carries UDP source port
    /// 1024 + k % flows at `flowPortOffset` (the template's UDP checksum is
    /// 0, "none", so every variant is a valid packet). 1: the template only.
    public var flows = 1
    public var flowPortOffset = 0

    public static let names = ["nsh-sff-forward", "classify-1k-nsh-encap", "classify-100k-nsh-encap",
                               "classify-100k-nsh-encap-64k-flows", "classify-srv6-encaps-3sids", "srv6-end", "srv6-end-as",
                               "classify-srv6-encaps-3sids-hmac", "srv6-end-hmac"]

    /// The flows of the many-flow case, sent round robin: nearly 16 times the
    /// entries of the classifier cache (SFC_CLASS_CACHE_ENTRIES), so every
    /// packet misses it and the case measures the tuple search itself.
    static let manyFlows = 65_536 - 1024

    /// Packet `k` of the case: the template, or its variant for flow k % flows.
    public func packet(_ k: Int) -> [UInt8] {
        guard flows > 1 else { return template }
        var bytes = template
        let port = UInt16(1024 + k % flows)
        bytes[flowPortOffset] = UInt8(port >> 8)
        bytes[flowPortOffset + 1] = UInt8(port & 0xFF)
        return bytes
    }

    /// Frame sizes on the wire (FCS included) a case can be made at: the
    /// source holds at most SFC_BENCH_TEMPLATE_MAX (512) bytes.
    public static let frameSizes = 64...516

    /// The UDP payload of the 60-byte frame (64 on the wire with the FCS) every case starts from.
    static let basePayload = 18

    /// The UDP/IPv4 frame every case starts from, its UDP payload `payload`
    /// bytes (IPv4 total length, UDP length and checksums follow from it).
    static func inputFrame(payload: Int) -> [UInt8] {
        PacketBuilder.frame(destination: MACAddress(0x02, 0, 0, 0, 0, 0x01),
                            endpoints: .v4(IPv4Address("10.1.0.5")!, IPv4Address("10.20.0.9")!),
                            transport: .udp(sourcePort: 40000, destinationPort: 5000),
                            payload: Array(repeating: 0x5a, count: payload))
    }

    /// The case with its template `frameSize` bytes on the wire (FCS
    /// included, so the template is 4 bytes shorter): the innermost UDP
    /// payload is padded, every header (and length) stays the one the
    /// dataplane parses at 64 bytes. At 64 the templates are the 60-byte frame
    /// or, for the cases that arrive encapsulated, that frame encapsulated (84
    /// bytes and more); a size below a template's own is that template.
    public static func make(_ name: String, frameSize: Int) throws -> BenchCase {
        guard frameSizes.contains(frameSize) else {
            throw BenchError("frame size \(frameSize): \(frameSizes.lowerBound) to \(frameSizes.upperBound) bytes on the wire")
        }
        // The classify cases' template is the frame itself: no need to build their large rule sets twice.
        let baseLength = name.hasPrefix("classify-") ? inputFrame(payload: basePayload).count : try make(name).template.count
        let missing = frameSize - 4 - baseLength
        guard missing > 0 else { return try make(name) }
        let padded = try make(name, payload: basePayload + missing)
        guard padded.template.count == frameSize - 4 else {
            throw BenchError("case \(name): padding made a \(padded.template.count)-byte template, not \(frameSize - 4)")
        }
        return padded
    }

    public static func make(_ name: String) throws -> BenchCase { try make(name, payload: basePayload) }

    static func make(_ name: String, payload: Int) throws -> BenchCase {
        let frame = inputFrame(payload: payload)
        switch name {
        case "nsh-sff-forward":
            // What a classifier sends the SFF: the classify+encap output of the same chain.
            let config = try nshConfig(rules: 1)
            let encapsulated = try run(config, frame, expect: .nshEncap, name: "nsh-sff-forward (making its template)")
            return try checked(BenchCase(name: name, summary: "NSH SFF: TTL, (SPI, SI) lookup, Ethernet to an nsh-aware SF",
                                         config: config, template: encapsulated, step: .nshForward))
        case "classify-1k-nsh-encap", "classify-100k-nsh-encap":
            let rules = name == "classify-1k-nsh-encap" ? 1_000 : 100_000
            return try checked(BenchCase(name: name, summary: "classify (\(rules) rules) + NSH MD1 encap + SFF to the first SF",
                                         config: try nshConfig(rules: rules), template: frame, step: .nshEncap))
        case "classify-100k-nsh-encap-64k-flows":
            // The same, one flow per UDP source port: past the classifier cache.
            var template = frame
            let udp = 14 + Int(template[14] & 0x0F) * 4
            template[udp + 6] = 0; template[udp + 7] = 0  // UDP checksum "none" (RFC 768): valid for every port
            var c = BenchCase(name: name, summary: "classify (100000 rules, \(manyFlows) flows) + NSH MD1 encap + SFF to the first SF",
                              config: try nshConfig(rules: 100_000), template: template, step: .nshEncap)
            c.flows = manyFlows
            c.flowPortOffset = udp
            return try checked(c)
        case "classify-srv6-encaps-3sids":
            return try checked(BenchCase(name: name, summary: "classify (1000 rules) + H.Encaps, 3 SIDs, IPv6 route",
                                         config: try srv6Config(rules: 1_000), template: frame, step: .srv6Encap))
        case "classify-srv6-encaps-3sids-hmac":
            return try checked(BenchCase(name: name, summary: "classify (1000 rules) + H.Encaps, 3 SIDs, the SRH signed (HMAC TLV), IPv6 route",
                                         config: try signed(srv6Config(rules: 1_000)), template: frame, step: .srv6Encap))
        case "srv6-end", "srv6-end-as", "srv6-end-hmac":
            let hmac = name == "srv6-end-hmac"
            var config = try srv6Config(rules: 1)
            if hmac { config = signed(config) }
            var packet = try run(config, frame, expect: .srv6Encap, name: "\(name) (making its template)")
            // Active segment (DA and Segment List[2]) becomes a local SID: End, or the End.AS proxy.
            let sid = IPv6Address(name == "srv6-end-as" ? "fc00:1::a1" : "fc00:1::1")!
            for offset in [14 + 24, 14 + 40 + 8 + 2 * 16] {
                for i in 0..<16 { packet[offset + i] = sid.octet(i) }
            }
            if hmac {
                // Signed again over the edited list; both ports check it.
                resign(&packet, config)
                for p in config.ports.indices { config.ports[p].requireHMAC = true }
            }
            return try checked(BenchCase(name: name, summary: name == "srv6-end-as"
                                            ? "End.AS: outer IPv6 + SRH removed, inner IPv4 to the SF on a VLAN"
                                            : hmac ? "End on a require-hmac port: the SRH's HMAC checked, SL - 1, DA update, IPv6 route"
                                                   : "End: SL - 1, DA update, IPv6 route (SRH with 3 SIDs)",
                                         config: config, template: packet, step: name == "srv6-end-as" ? .endASOut : .end))
        default:
            throw BenchError("unknown case '\(name)': one of \(names.joined(separator: ", "))")
        }
    }

    /// The template must be forwarded, by `step`, whichever port it arrives on.
    static func checked(_ c: BenchCase) throws -> BenchCase {
        for port in c.config.ports.indices {
            for k in (c.flows > 1 ? [0, c.flows - 1] : [0]) { _ = try run(c.config, c.packet(k), expect: c.step, ingress: port, name: c.name) }
        }
        return c
    }

    static func run(_ config: CompiledConfig, _ packet: [UInt8], expect: Step, ingress: Int = 0, name: String) throws -> [UInt8] {
        let pipeline = Pipeline(tables: ForwardingTables(config))
        let (meta, output) = pipeline.process(packet, ingress: ingress)
        let steps = meta.trace.all
        guard meta.verdict == .forward, steps.contains(expect) else {
            throw BenchError("case \(name): the template packet on port \(config.ports[ingress].name) was not forwarded by \(expect) "
                             + "(verdict \(meta.verdict), steps \(steps), drop \(meta.dropReason.map { "\($0)" } ?? "-"))")
        }
        return output
    }

    static let header = """
    node:
      name: bench
      srv6-source: 2001:db8:100::1
      locator: fc00:1::/48
    ports:
      - {name: p0, mac: "02:00:00:00:00:01", trusted: true}
      - {name: p1, mac: "02:00:00:00:00:02", trusted: true}

    """

    static func nshConfig(rules: Int) throws -> CompiledConfig {
        let text = header + """
        functions:
          - name: vnf
            kind: nsh-aware
            instances:
              - {name: vnf-1, port: p1, mac: "02:00:00:00:10:01"}
        chains:
          - name: nsh
            spi: 100
            encapsulation: nsh
            hops: [vnf]
            end: {port: p1, mac: "02:00:00:00:20:01"}
        rules:
          - {name: bench, priority: 10, chain: nsh, protocol: udp, destination: 10.20.0.9/32, destination-port: 5000}

        """
        return try withRules(try parse(text), count: rules)
    }

    /// The HMAC cases' key (RFC 8754 s2.1.2): every chain signs its SRH with it.
    static let hmacKeyID: UInt32 = 1001
    static let hmacSecret = Array("sfc-bench hmac secret".utf8)

    static func signed(_ config: CompiledConfig) -> CompiledConfig {
        var config = config
        config.hmacKeys = [hmacKeyID: hmacSecret]
        for c in config.chains.indices { config.chains[c].hmacKeyID = hmacKeyID }
        return config
    }

    /// The HMAC TLV of the signed SRH in the Ethernet frame `packet` made
    /// right again after its segments were edited (RFC 8754 s2.1.2.1's text).
    static func resign(_ packet: inout [UInt8], _ config: CompiledConfig) {
        let srh = 14 + 40, entries = Int(packet[srh + 4]) + 1
        let tlv = srh + 8 + 16 * entries
        let text = Array(packet[22..<38]) + [packet[srh + 4], packet[srh + 5]] + Array(packet[tlv + 4..<tlv + 8])
            + Array(packet[srh + 8..<tlv])
        let mac = HMACSHA256Key(secret: hmacSecret).mac(text)
        packet.replaceSubrange(tlv + 8..<tlv + 40, with: mac)
    }

    static func srv6Config(rules: Int) throws -> CompiledConfig {
        let text = header + """
        routes:
          - {prefix: "fc00:2::/48", port: p1, mac: "02:00:00:00:30:01"}
        sids:
          - {sid: "fc00:1::1", behavior: End}
        functions:
          - name: fa
            kind: sr-aware
            instances:
              - {name: fa-1, sid: "fc00:2::f1"}
          - name: fb
            kind: sr-aware
            instances:
              - {name: fb-1, sid: "fc00:2::f2"}
          - name: legacy
            kind: sr-unaware
            proxy: static
            instances:
              - {name: legacy-1, sid: "fc00:1::a1", port: p1, mac: "02:00:00:00:40:01", vlan: 301}
        chains:
          - name: three
            spi: 1
            encapsulation: srv6
            hops: [fa, fb]
            end: {sid: "fc00:2::d"}
          - name: proxied
            spi: 2
            encapsulation: srv6
            hops: [legacy, fb]
            end: {sid: "fc00:2::d"}
        rules:
          - {name: bench, priority: 10, chain: three, protocol: udp, destination: 10.20.0.9/32, destination-port: 5000}
          - {name: proxied, priority: 20, chain: proxied, protocol: udp, destination: 10.30.0.9/32}

        """
        return try withRules(try parse(text), count: rules)
    }

    static func parse(_ text: String) throws -> CompiledConfig {
        let (config, diagnostics) = ChainFile.parse(text: text, file: "bench.yaml")
        guard let config else {
            throw BenchError("bench chain file does not compile:\n" + diagnostics.map(\.rendered).joined(separator: "\n"))
        }
        return config
    }

    /// Grows the file's rule list to `count` rules. The file's first rule (the
    /// one the template matches) moves to the middle of the precedence order;
    /// the others are spread over four shapes (prefix lengths and fields), so
    /// the tuple search probes several tables, none of which the template
    /// matches but one.
    static func withRules(_ config: CompiledConfig, count: Int) throws -> CompiledConfig {
        var config = config
        let fillers = count - config.rules.count
        guard fillers > 0 else { return config }
        var target = config.rules.removeFirst()
        var rules: [ClassifierRule] = []
        rules.reserveCapacity(count)
        let chain = target.chain
        for i in 0..<fillers {
            let a = UInt32(i)
            var rule = ClassifierRule(name: "filler-\(i)", priority: 1_000 + i, chain: chain, family: .ipv4)
            switch i % 4 {
            case 0:  // destination /32, UDP, one port
                rule.destination4 = IPv4Prefix(address: IPv4Address(raw: 0x0B00_0000 | a), length: 32)
                rule.proto = IPProtocolNumber.udp
                rule.destinationPorts = 5000...5000
            case 1:  // source /24 and destination /16
                rule.source4 = IPv4Prefix(address: IPv4Address(raw: 0xAC10_0000 | (a << 8) & 0x000F_FF00), length: 24)
                rule.destination4 = IPv4Prefix(address: IPv4Address(raw: 0xC0A8_0000), length: 16)
            case 2:  // destination /24, TCP 443
                rule.destination4 = IPv4Prefix(address: IPv4Address(raw: 0x0C00_0000 | (a << 8) & 0x00FF_FF00), length: 24)
                rule.proto = IPProtocolNumber.tcp
                rule.destinationPorts = 443...443
            default:  // source /32, UDP
                rule.source4 = IPv4Prefix(address: IPv4Address(raw: 0x0D00_0000 | a), length: 32)
                rule.proto = IPProtocolNumber.udp
            }
            rules.append(rule)
        }
        target.priority = 1_000 + fillers / 2
        rules.insert(target, at: fillers / 2)
        // Remaining file rules (other chains) keep their place after the fillers.
        for var rule in config.rules {
            rule.priority = 1_000 + fillers + rule.priority
            rules.append(rule)
        }
        config.rules = rules
        return config
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
