// The map layouts the compiled BPF object sees (its BTF) against the host
// build of BPF/include/sfc_tables.h that Swift fills the maps with: every
// struct's size and every member's offset must agree, and neither side may
// have a member the other lacks.
import CLibBPF
import Foundation
import Testing

@Suite struct TableLayoutTests {
    @Test func everyStructOfTheContractHasTheSameLayoutInTheBPFObject() throws {
        let path = try XDPTest.objectPath()
        guard let btf = btf__parse(path, nil) else {
            Issue.record("cannot read the BTF of \(path) (errno \(errno)): is it built with -g (`make bpf`)?")
            return
        }
        defer { btf__free(btf) }
        var count = 0
        let rows = UnsafeBufferPointer(start: sfc_bpf_host_layout(&count), count: count)
        let types = Dictionary(grouping: rows, by: { String(cString: $0.type) })
        #expect(types.count >= 20, "the host layout table lists \(types.count) structs")
        for (name, fields) in types.sorted(by: { $0.key < $1.key }) {
            var size: UInt32 = 0, members: UInt32 = 0
            let id = sfc_bpf_btf_struct(btf, name, &size, &members)
            guard id > 0 else {
                Issue.record("struct \(name) is not in the BTF of \(path): the program must use it (map key/value or a variable)")
                continue
            }
            let hostSize = fields.first { $0.field == nil }!.size
            #expect(size == hostSize, "struct \(name): \(size) bytes in the BPF object, \(hostSize) on the host")
            var btfOffsets: [String: UInt32] = [:]
            for m in 0..<members {
                var memberName: UnsafePointer<CChar>?
                var bits: UInt32 = 0
                guard sfc_bpf_btf_member(btf, id, m, &memberName, &bits) == 0, let memberName else { continue }
                btfOffsets[String(cString: memberName)] = bits
            }
            var hostOffsets: [String: UInt32] = [:]
            for f in fields { if let field = f.field { hostOffsets[String(cString: field)] = f.offset } }
            for (field, offset) in hostOffsets.sorted(by: { $0.key < $1.key }) {
                guard let bits = btfOffsets[field] else {
                    Issue.record("struct \(name).\(field): on the host, missing in the BPF object")
                    continue
                }
                #expect(bits % 8 == 0 && bits / 8 == offset,
                        "struct \(name).\(field): offset \(bits / 8) (bit \(bits)) in the BPF object, \(offset) on the host")
            }
            for field in btfOffsets.keys.sorted() where hostOffsets[field] == nil {
                Issue.record("struct \(name).\(field): in the BPF object, missing from the host layout table (Sources/CLibBPF/clibbpf.c)")
            }
        }
    }

    /// Swift imports the same header: its view must be the C compiler's.
    @Test func swiftSeesTheHostLayout() {
        var count = 0
        let rows = UnsafeBufferPointer(start: sfc_bpf_host_layout(&count), count: count)
        let sizes: [String: Int] = [
            "sfc_adjacency": MemoryLayout<sfc_adjacency>.size, "sfc_globals": MemoryLayout<sfc_globals>.size,
            "sfc_port": MemoryLayout<sfc_port>.size, "sfc_chain": MemoryLayout<sfc_chain>.size,
            "sfc_function": MemoryLayout<sfc_function>.size, "sfc_instance": MemoryLayout<sfc_instance>.size,
            "sfc_sid_key": MemoryLayout<sfc_sid_key>.size, "sfc_sid_entry": MemoryLayout<sfc_sid_entry>.size,
            "sfc_return_entry": MemoryLayout<sfc_return_entry>.size, "sfc_path_entry": MemoryLayout<sfc_path_entry>.size,
            "sfc_path_slot": MemoryLayout<sfc_path_slot>.size,
            "sfc_lpm4_key": MemoryLayout<sfc_lpm4_key>.size, "sfc_lpm6_key": MemoryLayout<sfc_lpm6_key>.size,
            "sfc_tuple": MemoryLayout<sfc_tuple>.size, "sfc_class_key": MemoryLayout<sfc_class_key>.size,
            "sfc_class_candidate": MemoryLayout<sfc_class_candidate>.size, "sfc_class_value": MemoryLayout<sfc_class_value>.size,
            "sfc_port_counters": MemoryLayout<sfc_port_counters>.size, "sfc_chain_counters": MemoryLayout<sfc_chain_counters>.size,
            "sfc_proxy_cache": MemoryLayout<sfc_proxy_cache>.size, "sfc_nsh_state": MemoryLayout<sfc_nsh_state>.size,
            "sfc_test_meta": MemoryLayout<sfc_test_meta>.size,
            "sfc_trace_filter": MemoryLayout<sfc_trace_filter>.size, "sfc_trace_arm": MemoryLayout<sfc_trace_arm>.size,
            "sfc_trace_event": MemoryLayout<sfc_trace_event>.size,
            "sfc_affinity_entry": MemoryLayout<sfc_affinity_entry>.size, "sfc_probe_reply": MemoryLayout<sfc_probe_reply>.size,
            "sfc_picks": MemoryLayout<sfc_picks>.size, "sfc_class_cache_entry": MemoryLayout<sfc_class_cache_entry>.size,
            "sfc_hmac_key": MemoryLayout<sfc_hmac_key>.size,
        ]
        for row in rows where row.field == nil {
            let name = String(cString: row.type)
            #expect(sizes[name] == Int(row.size), "struct \(name): Swift \(sizes[name] ?? -1) bytes, C \(row.size)")
        }
        #expect(sizes.count == rows.filter { $0.field == nil }.count)
    }
}
