// YAML text -> ChainFileSpec. Checks what a single node can tell: types,
// value syntax, ranges, unknown / missing / duplicate keys. Cross-references
// are checked later, by the validators.
import SFCCore
import Yams

struct ChainFileParser {
    let sink: DiagnosticSink
    /// Top-level keys beyond the core ones, kept as nodes for their handlers.
    var sections: Set<String> = ChainFile.reservedSections
    /// Rules added at run time (chain-trace steer), after the file's own.
    var steering: [SteeringRuleText] = []

    func parse(text: String) -> ChainFileSpec? {
        if let (position, reason) = NestingLimit.violation(in: text) {
            sink.error("YAML nesting too deep: \(reason)", at: position)
            return nil
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            YAMLSyntaxError.report(error, text: text, sink: sink)
            return nil
        }
        guard let root = root else {
            sink.error("empty chain file: expected a mapping with node, ports, functions, chains", at: .start)
            return nil
        }
        let core: Set<String> = ["node", "ports", "peers", "routes", "sids", "functions", "chains", "rules", "dpdk"]
        let top = MappingReader(root, what: "the chain file", allowed: core.union(sections), sink: sink)
        guard let top = top else { return nil }

        var spec = ChainFileSpec(root: root.position)
        if let node = top.value("node") { spec.node = parseNode(node) } else { top.missing("node") }
        if let items = top.list("ports", required: true) {
            if items.isEmpty, let v = top.value("ports") { sink.error("'ports' must list at least one port", at: v.position) }
            spec.ports = items.compactMap(parsePort)
        }
        spec.peers = (top.list("peers") ?? []).compactMap(parsePeer)
        spec.routes = (top.list("routes") ?? []).compactMap(parseRoute)
        spec.sids = (top.list("sids") ?? []).compactMap(parseSID)
        spec.functions = (top.list("functions", required: true) ?? []).compactMap(parseFunction)
        spec.chains = (top.list("chains", required: true) ?? []).compactMap(parseChain)
        spec.rules = (top.list("rules") ?? []).compactMap(parseRule)
        if let dpdk = top.value("dpdk") { spec.dpdk = parseDPDK(dpdk) }
        for key in sections { if let node = top.value(key) { spec.sections[key] = node } }
        return spec
    }

    /// The run-time rules, checked as if written after the file's own
    /// (separate from `parse` so a steering change re-parses only them).
    func addSteering(to spec: inout ChainFileSpec) {
        if steering.count > Self.maxSteeringRules {
            sink.error("\(steering.count) steering rules: at most \(Self.maxSteeringRules) can be active (SFC_MAX_WATCHED_RULES); unsteer some",
                       at: SourcePosition(line: 1, column: 1, file: steering[Self.maxSteeringRules].source))
        }
        spec.rules += steering.compactMap(parseSteeringRule)
    }

    private func parseNode(_ node: Node) -> NodeSpec? {
        guard let m = MappingReader(node, what: "node", allowed: ["name", "srv6-source", "locator", "ipv4", "probe-sid", "hmac-keys",
                                                                        "flow-hash-key"],
                                    sink: sink)
        else { return nil }
        var locator: Located<IPv6Prefix>?
        if let p = m.prefix("locator") {
            if case .v6(let v6) = p.value { locator = Located(v6, at: p.position) } else {
                sink.error("the locator must be an IPv6 prefix", at: p.position)
            }
        }
        var name = m.name("name", required: true)
        if let n = name, !ValueParsers.isSafeNodeName(n.value) {
            sink.error("bad node name '\(ScalarText.shortened(n.value))': it names a directory "
                       + "(/sys/fs/bpf/sfc/<node>), so at most \(ValueParsers.maxNodeNameBytes) bytes, "
                       + "not starting with '.' or '-'", at: n.position)
            name = nil
        }
        return NodeSpec(position: m.position, name: name,
                        srv6Source: m.ipv6("srv6-source"), locator: locator, ipv4: m.ipv4("ipv4"),
                        probeSID: m.ipv6("probe-sid"), hmacKeys: m.text("hmac-keys", expected: "a key file path"),
                        flowHashKey: m.text("flow-hash-key", expected: "a key file path"))
    }

    private func parsePort(_ node: Node) -> PortSpec? {
        guard let m = MappingReader(node, what: "port", allowed: ["name", "mac", "mtu", "trusted", "interface", "require-hmac"], sink: sink)
        else { return nil }
        return PortSpec(position: m.position, name: m.name("name", required: true), mac: m.mac("mac", required: true),
                        mtu: m.int("mtu", in: 68...65535), trusted: m.bool("trusted")?.value ?? false,
                        interface: interfaceName(m), requireHMAC: m.bool("require-hmac"))
    }

    /// A Linux interface name (IFNAMSIZ - 1 = 15 bytes; no '/', ':' or
    /// whitespace), the kernel interface the XDP dataplane attaches to.
    private func interfaceName(_ m: MappingReader) -> Located<String>? {
        guard let t = m.text("interface", expected: "an interface name") else { return nil }
        let v = t.value
        guard !v.isEmpty, v.utf8.count <= 15, v != ".", v != "..",
              !v.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace }) else {
            sink.error("bad interface name '\(ScalarText.shortened(v))': at most 15 characters, no '/', ':' or spaces",
                       at: t.position)
            return nil
        }
        return t
    }

    private func parsePeer(_ node: Node) -> PeerSpec? {
        guard let m = MappingReader(node, what: "peer", allowed: ["name", "address", "port", "mac", "vni"], sink: sink)
        else { return nil }
        return PeerSpec(position: m.position, name: m.name("name", required: true),
                        address: m.ipv4("address", required: true), port: m.name("port", required: true),
                        mac: m.mac("mac", required: true), vni: m.int("vni", in: 0...16_777_215)?.value ?? 0)
    }

    private func parseRoute(_ node: Node) -> RouteSpec? {
        guard let m = MappingReader(node, what: "route", allowed: ["prefix", "port", "mac"], sink: sink)
        else { return nil }
        return RouteSpec(position: m.position, prefix: m.prefix("prefix", required: true),
                         port: m.name("port", required: true), mac: m.mac("mac", required: true))
    }

    private func parseSID(_ node: Node) -> SIDSpec? {
        guard let m = MappingReader(node, what: "sid", allowed: ["sid", "behavior", "port", "mac"], sink: sink)
        else { return nil }
        var behavior = m.choice("behavior", SRv6Behavior.self, required: true)
        if let b = behavior, b.value.action == .proxy {
            sink.error("\(b.value.rawValue) belongs to an sr-unaware function instance, not to 'sids'", at: b.position)
            behavior = nil
        } else if let b = behavior, b.value.action == .probe {
            sink.error("the probe SID is the node's 'probe-sid', not an entry of 'sids'", at: b.position)
            behavior = nil
        }
        let spec = SIDSpec(position: m.position, sid: m.ipv6("sid", required: true), behavior: behavior,
                           port: m.name("port"), mac: m.mac("mac"))
        if let b = behavior?.value {
            let needsAdjacency = b.action.forwardsToAdjacency
            for key in ["port", "mac"] {
                if needsAdjacency && !m.has(key) {
                    m.missing(key, reason: "\(b.rawValue) forwards to an adjacency")
                } else if !needsAdjacency {
                    m.notAllowed(key, reason: "\(b.rawValue) does not forward to an adjacency")
                }
            }
        }
        return spec
    }
}
