// functions: and their instances. Which instance keys are required or
// allowed depends on the function's kind (see CHAIN-FORMAT.md). The
// liveness keys (health, fail, affinity-idle) are ChainFileParser+Health's.
import SFCCore
import Yams

extension ChainFileParser {
    static let functionKeys: Set<String> = ["name", "kind", "proxy", "instances", "health", "fail", "affinity-idle",
                                            "pairs-with"]

    func parseFunction(_ node: Node) -> FunctionSpec? {
        guard let m = MappingReader(node, what: "function", allowed: Self.functionKeys, sink: sink)
        else { return nil }
        let name = m.name("name", required: true)
        let kind = m.choice("kind", FunctionKind.self, required: true)
        let proxy = m.choice("proxy", SRProxyMode.self)
        if let kind = kind?.value {
            if kind == .srUnaware && !m.has("proxy") {
                m.missing("proxy", reason: "an sr-unaware function needs static, dynamic or masquerading")
            } else if kind != .srUnaware {
                m.notAllowed("proxy", reason: "only sr-unaware functions use an SR proxy")
            }
        }
        var instances: [InstanceSpec] = []
        if let items = m.list("instances", required: true) {
            if items.isEmpty, let v = m.value("instances") {
                sink.error("function '\(name?.value ?? "?")' needs at least one instance", at: v.position)
            }
            instances = items.compactMap { parseInstance($0, kind: kind?.value) }
        }
        let health = parseHealth(m, kind: kind?.value)
        return FunctionSpec(position: m.position, name: name, kind: kind, proxy: proxy, instances: instances,
                            health: health, fail: failMode(m, health: health, kind: kind?.value),
                            affinityIdle: m.duration("affinity-idle", in: Self.affinityIdleRange),
                            pairsWith: m.name("pairs-with"))
    }

    private func parseInstance(_ node: Node, kind: FunctionKind?) -> InstanceSpec? {
        guard let m = MappingReader(node, what: "instance",
                                    allowed: ["name", "weight", "port", "mac", "vlan", "return-port", "sid", "peer"],
                                    sink: sink)
        else { return nil }
        let spec = InstanceSpec(position: m.position, name: m.name("name", required: true),
                                weight: m.int("weight", in: 1...64)?.value ?? 1,
                                port: m.name("port"), mac: m.mac("mac"), vlan: m.int("vlan", in: 1...4094),
                                returnPort: m.name("return-port"), sid: m.ipv6("sid"), peer: m.name("peer"))
        if let kind = kind { checkInstanceKeys(m, kind: kind) }
        return spec
    }

    /// The table in CHAIN-FORMAT.md, "functions".
    private func checkInstanceKeys(_ m: MappingReader, kind: FunctionKind) {
        let why = "not used by \(kind.rawValue) instances"
        switch kind {
        case .nshAware:
            for key in ["return-port", "sid"] { m.notAllowed(key, reason: why) }
            if m.has("peer") {
                for key in ["port", "mac", "vlan"] {
                    m.notAllowed(key, reason: "an instance behind a peer is reached through that peer")
                }
            } else {
                for key in ["port", "mac"] where !m.has(key) {
                    m.missing(key, reason: "an nsh-aware instance needs port and mac, or peer")
                }
            }
        case .nshUnaware:
            for key in ["sid", "peer"] { m.notAllowed(key, reason: why) }
            for key in ["port", "mac"] where !m.has(key) { m.missing(key) }
        case .srAware:
            for key in ["vlan", "return-port", "peer"] { m.notAllowed(key, reason: why) }
            if !m.has("sid") { m.missing("sid", reason: "an sr-aware instance is reached at its SID") }
            if m.has("port") != m.has("mac") {
                m.missing(m.has("port") ? "mac" : "port", reason: "port and mac go together")
            }
        case .srUnaware:
            m.notAllowed("peer", reason: why)
            for key in ["sid", "port", "mac"] where !m.has(key) { m.missing(key) }
        }
    }
}
