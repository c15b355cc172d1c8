// A function's liveness keys: `health:` (how the daemon probes its
// instances, and the heartbeats it sends), `fail:` (inside `health:` or on
// the function) and `affinity-idle:`. The rules that depend on the
// function's kind are checked here, like its instance keys; a health
// section that would probe nothing on this node is ValidatorHealth's.
import SFCCore
import Yams

extension ChainFileParser {
    static let healthKeys: Set<String> = ["interval", "misses", "rise", "fail", "probe", "negative"]
    static let probeKeys: Set<String> = ["protocol", "source", "destination", "source-port", "destination-port"]

    /// `health.interval`, in milliseconds (HealthConfig: 10ms..10s).
    static let probeIntervalRange = 10...10_000
    /// `affinity-idle`, in milliseconds: 1s..24h.
    static let affinityIdleRange = 1000...86_400_000
    /// `misses` and `rise`.
    static let probeCountRange = 1...100
    /// The ports of a udp or tcp heartbeat that gives none: a client port at
    /// the start of the dynamic range (RFC 6335) towards traceroute's first
    /// port, which nothing listens on.
    static let defaultProbeSourcePort: UInt16 = 49152
    static let defaultProbeDestinationPort: UInt16 = 33434

    func parseHealth(_ function: MappingReader, kind: FunctionKind?) -> HealthSpec? {
        guard let node = function.value("health"), let key = function.keyPosition("health") else { return nil }
        guard let m = MappingReader(node, what: "health", allowed: Self.healthKeys, sink: sink) else { return nil }
        let probe = m.value("probe").flatMap { parseProbe($0, what: "probe") }
        let negative = m.value("negative").flatMap { parseProbe($0, what: "negative probe") }
        // An unreadable probe was reported already: only compare what was read.
        if let n = negative, m.has("probe") == (probe != nil) {
            let positive = probe?.value ?? .defaultPositive
            if n.value == positive {
                sink.error("the negative heartbeat is the same packet as the probe (\(Self.describe(positive))"
                           + "\(probe == nil ? ", the default" : "")): the function cannot pass one and drop the other; "
                           + "give the negative one another protocol, address or port", at: n.position)
            }
        }
        return HealthSpec(key: key, interval: m.duration("interval", in: Self.probeIntervalRange),
                          misses: m.int("misses", in: Self.probeCountRange), rise: m.int("rise", in: Self.probeCountRange),
                          fail: m.choice("fail", FailMode.self), probe: probe, negative: negative)
    }

    /// `fail:` from the function or its health section (not both).
    func failMode(_ function: MappingReader, health: HealthSpec?, kind: FunctionKind?) -> Located<FailMode>? {
        let own = function.choice("fail", FailMode.self)
        if let outer = function.keyPosition("fail"), let inner = health?.fail {
            sink.error("'fail' is given twice: on the function (line \(outer.line)) and in its health section; keep one",
                       at: inner.position)
        }
        let fail = own ?? health?.fail
        if let f = fail, f.value == .open, kind == .srAware {
            sink.error("an sr-aware function cannot fail open: its SID is processed by other nodes, so this forwarder "
                       + "cannot bypass it; use fail: closed", at: f.position)
        }
        return fail
    }

    /// `{protocol, source, destination, source-port, destination-port}`: an
    /// IPv4 flow (heartbeats are IPv4). nil, after reporting, if any part is wrong.
    private func parseProbe(_ node: Node, what: String) -> Located<ProbeTuple>? {
        let errorsBefore = sink.errorCount
        guard let m = MappingReader(node, what: what, allowed: Self.probeKeys, sink: sink) else { return nil }
        // nil: a protocol that was rejected (its ports are then read, not judged).
        var proto: UInt8? = IPProtocolNumber.icmp
        if let t = m.text("protocol", expected: "icmp, udp or tcp") {
            proto = IPProtocolNumber.named(t.value)
            if let p = proto, ![IPProtocolNumber.icmp, IPProtocolNumber.udp, IPProtocolNumber.tcp].contains(p) { proto = nil }
            if proto == nil {
                sink.error("bad protocol '\(ScalarText.shortened(t.value))' for a heartbeat: expected icmp, udp or tcp "
                           + "(heartbeats are IPv4 packets)", at: t.position)
            }
        }
        for key in ["source", "destination"] where !m.has(key) {
            m.missing(key, reason: "a heartbeat needs both its source and destination address")
        }
        let source = probeAddress(m, "source")
        let destination = probeAddress(m, "destination")
        var sourcePort = Self.defaultProbeSourcePort
        var destinationPort = Self.defaultProbeDestinationPort
        if proto == IPProtocolNumber.icmp {
            for key in ["source-port", "destination-port"] {
                m.notAllowed(key, reason: "an ICMP heartbeat has no ports; use protocol udp or tcp to give them")
            }
            sourcePort = 0
            destinationPort = 0
        } else {
            if let p = m.int("source-port", in: 1...65535) { sourcePort = UInt16(p.value) }
            if let p = m.int("destination-port", in: 1...65535) { destinationPort = UInt16(p.value) }
        }
        guard sink.errorCount == errorsBefore, let proto = proto, let s = source, let d = destination else { return nil }
        return Located(ProbeTuple(proto: proto, source: s.value, destination: d.value,
                                  sourcePort: sourcePort, destinationPort: destinationPort), at: m.position)
    }

    private func probeAddress(_ m: MappingReader, _ key: String) -> Located<IPv4Address>? {
        guard let t = m.text(key, expected: "an IPv4 address") else { return nil }
        if let a = ValueParsers.ipv4(t.value) { return Located(a, at: t.position) }
        if ValueParsers.ipv6(t.value) != nil {
            sink.error("'\(key)' must be an IPv4 address, found the IPv6 address '\(ScalarText.shortened(t.value))': "
                       + "heartbeats are IPv4 packets", at: t.position)
        } else {
            sink.error("bad IPv4 address '\(ScalarText.shortened(t.value))' for '\(key)'", at: t.position)
        }
        return nil
    }

    /// `icmp 198.18.0.1 -> 198.18.0.2`, `tcp 10.0.0.1:49152 -> 10.0.0.2:23`.
    static func describe(_ t: ProbeTuple) -> String { t.text }
}
