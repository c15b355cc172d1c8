// The `dpdk:` section: EAL settings and the device behind each logical port.
import SFCCore
import Yams

extension ChainFileParser {
    func parseDPDK(_ node: Node) -> DPDKSpec? {
        guard let m = MappingReader(node, what: "dpdk", allowed: ["lcores", "hugepages", "memory-mb", "eal-args", "ports"],
                                    sink: sink) else { return nil }
        var lcores: [Located<Int>] = []
        if let items = m.list("lcores") {
            if items.isEmpty, let v = m.value("lcores") { sink.error("'lcores' must list at least one core", at: v.position) }
            for item in items {
                guard let t = MappingReader.scalarText(item, expected: "a core number in 'lcores'", sink: sink),
                      let core = MappingReader.integer(t, key: "lcores", in: 0...1023, sink: sink) else { continue }
                if let first = lcores.first(where: { $0.value == core.value }) {
                    sink.error("lcore \(core.value) listed twice (first at line \(first.position.line))", at: core.position)
                } else {
                    lcores.append(core)
                }
            }
        }
        var arguments: [String] = []
        for item in m.list("eal-args") ?? [] {
            if let t = MappingReader.scalarText(item, expected: "an EAL argument in 'eal-args'", sink: sink) {
                arguments.append(t.value)
            }
        }
        return DPDKSpec(position: m.position, lcores: lcores, hugepages: m.choice("hugepages", DPDKConfig.Hugepages.self),
                        memoryMB: m.int("memory-mb", in: 64...1_048_576), ealArguments: arguments,
                        ports: (m.list("ports") ?? []).compactMap(parseDPDKPort))
    }

    private func parseDPDKPort(_ node: Node) -> DPDKPortSpec? {
        guard let m = MappingReader(node, what: "dpdk port", allowed: ["port", "device", "rx-ring", "tx-ring"], sink: sink)
        else { return nil }
        var device = m.text("device", required: true, expected: "a PCI address or a virtual device string")
        if let d = device, d.value.isEmpty || d.value.contains(" ") {
            sink.error("bad DPDK device '\(ScalarText.shortened(d.value))': a PCI address (0000:01:00.0) or a vdev string "
                       + "(net_af_packet0,iface=eth1) without spaces", at: d.position)
            device = nil
        }
        return DPDKPortSpec(position: m.position, port: m.name("port", required: true), device: device,
                            rxRing: ring(m, "rx-ring"), txRing: ring(m, "tx-ring"))
    }

    /// Descriptor ring sizes: powers of two, 64..16384 (what NICs and vdevs accept).
    private func ring(_ m: MappingReader, _ key: String) -> Located<Int>? {
        guard let v = m.int(key, in: 64...16384) else { return nil }
        guard v.value & (v.value - 1) == 0 else {
            sink.error("'\(key)' must be a power of two, found \(v.value)", at: v.position)
            return nil
        }
        return v
    }
}
