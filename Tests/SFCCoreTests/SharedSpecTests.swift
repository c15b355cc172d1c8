// SFCCore's shared lists and limits are generated from BPF/include at build
// time (Plugins/SharedSpecPlugin). These tests hold the generated Swift to
// what the C compiler makes of the same headers (a host build in CSFCShared):
// every row, code, name and explanation, in order, and every constant. A
// generator that misread a row, an escape or a continuation line fails here.
import CSFCShared
import Testing
@testable import SFCCore

@Suite struct SharedSpecTests {
    func rows(_ list: sfc_shared_list) -> [sfc_shared_row] {
        var count = 0
        guard let base = sfc_shared_rows(list, &count) else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: count))
    }

    func text(_ p: UnsafePointer<CChar>?) -> String? { p.map { String(cString: $0) } }

    @Test func dropReasonsAreTheCList() {
        let c = rows(SFC_LIST_DROP_REASONS)
        #expect(c.count == DropReason.allCases.count)
        for (row, reason) in zip(c, DropReason.allCases) {
            #expect(row.code == Int(reason.rawValue))
            #expect(text(row.text) == reason.name)
            #expect(text(row.explanation) == reason.explanation)
            #expect(text(row.c_name) == reason.cName)
        }
        // Codes are wire values: no two reasons share one, and all fit the counter slots.
        #expect(Set(c.map(\.code)).count == c.count)
        #expect(c.allSatisfy { $0.code > 0 && $0.code < SharedSpec.SFC_DROP_REASON_SLOTS })
    }

    @Test func behavioursAreTheCList() {
        let c = rows(SFC_LIST_BEHAVIORS)
        #expect(c.count == SRv6Behavior.allCases.count)
        for (row, behavior) in zip(c, SRv6Behavior.allCases) {
            #expect(row.code == Int(behavior.wireCode))
            #expect(text(row.text) == behavior.rawValue)
            #expect(UInt32(row.action) == behavior.action.rawValue, "\(behavior)")
            #expect(UInt32(row.inner) == behavior.inner.rawValue, "\(behavior)")
            // The BPF program asks the same two questions through these functions.
            #expect(sfc_shared_behavior_action(UInt32(row.code)) == row.action)
            #expect(sfc_shared_behavior_inner(UInt32(row.code)) == UInt32(row.inner))
        }
        #expect(sfc_shared_behavior_action(999) == -1)
    }

    @Test func kindsAndProxyModesAreTheCLists() {
        let kinds = rows(SFC_LIST_FUNCTION_KINDS)
        #expect(kinds.map { text($0.text) } == FunctionKind.allCases.map(\.rawValue))
        #expect(kinds.map(\.code) == FunctionKind.allCases.map { Int($0.wireCode) })
        let proxies = rows(SFC_LIST_PROXY_MODES)
        #expect(proxies.map { text($0.text) } == SRProxyMode.allCases.map(\.rawValue))
        #expect(proxies.map(\.code) == SRProxyMode.allCases.map { Int($0.wireCode) })
        let behaviorByC = Dictionary(uniqueKeysWithValues: rows(SFC_LIST_BEHAVIORS).map { (text($0.c_name)!, text($0.text)!) })
        #expect(proxies.map { behaviorByC[text($0.extra)!] } == SRProxyMode.allCases.map(\.behavior.rawValue))
    }

    @Test func stepsAreTheCList() {
        let c = rows(SFC_LIST_STEPS)
        #expect(c.map { text($0.text) } == Step.allCases.map(\.description))
        #expect(c.map(\.code) == Step.allCases.map { Int($0.rawValue) })
    }

    @Test func eventsAreTheCList() {
        let c = rows(SFC_LIST_EVENTS)
        #expect(c.count == NodeEvent.allCases.count)
        for (row, event) in zip(c, NodeEvent.allCases) {
            #expect(row.code == Int(event.rawValue))
            #expect(text(row.text) == event.name)
            #expect(text(row.explanation) == event.explanation)
            #expect(text(row.c_name) == event.cName)
        }
        #expect(c.allSatisfy { $0.code >= 0 && $0.code < SharedSpec.SFC_EVENT_SLOTS })
    }

    @Test func constantsAreTheCDefines() {
        let checked: [(String, Int)] = [
            ("SFC_MAX_LOCAL_SIDS", SharedSpec.SFC_MAX_LOCAL_SIDS), ("SFC_ENCAP_HOP_LIMIT", SharedSpec.SFC_ENCAP_HOP_LIMIT),
            ("SFC_PROXY_CACHE_BYTES", SharedSpec.SFC_PROXY_CACHE_BYTES),
            ("SFC_INSTANCE_BUCKET_COUNT", SharedSpec.SFC_INSTANCE_BUCKET_COUNT),
            ("SFC_NSH_PROXY_FLOWS", SharedSpec.SFC_NSH_PROXY_FLOWS), ("SFC_MAX_PORTS", SharedSpec.SFC_MAX_PORTS),
            ("SFC_MAX_INSTANCES", SharedSpec.SFC_MAX_INSTANCES), ("SFC_NONE", SharedSpec.SFC_NONE),
            ("SFC_GENERATIONS", SharedSpec.SFC_GENERATIONS), ("SFC_DROP_REASON_SLOTS", SharedSpec.SFC_DROP_REASON_SLOTS), ("SFC_TEST_MAGIC", SharedSpec.SFC_TEST_MAGIC),
            ("SFC_AFFINITY_SETS", SharedSpec.SFC_AFFINITY_SETS), ("SFC_AFFINITY_WAYS", SharedSpec.SFC_AFFINITY_WAYS),
            ("SFC_AFFINITY_TICK_SHIFT", SharedSpec.SFC_AFFINITY_TICK_SHIFT), ("SFC_BUCKET_NONE", SharedSpec.SFC_BUCKET_NONE),
            ("SFC_PROBE_MAGIC", SharedSpec.SFC_PROBE_MAGIC), ("SFC_MAX_PROBES", SharedSpec.SFC_MAX_PROBES),
            ("SFC_INSTANCE_DOWN", SharedSpec.SFC_INSTANCE_DOWN), ("SFC_FAIL_OPEN", SharedSpec.SFC_FAIL_OPEN),
        ]
        for (name, swift) in checked { #expect(sfc_shared_constant(name) == Int64(swift), "\(name)") }
        // The names the pipeline uses are these constants, not copies of them.
        #expect(Pipeline.maxLocalSIDs == Int(sfc_shared_constant("SFC_MAX_LOCAL_SIDS")))
        #expect(Int(Pipeline.encapHopLimit) == Int(sfc_shared_constant("SFC_ENCAP_HOP_LIMIT")))
        #expect(Pipeline.cacheSlotSize == Int(sfc_shared_constant("SFC_PROXY_CACHE_BYTES")))
        #expect(InstanceSelector.bucketCount == Int(sfc_shared_constant("SFC_INSTANCE_BUCKET_COUNT")))
        #expect(ForwardingTables.nshProxyFlowSlots == Int(sfc_shared_constant("SFC_NSH_PROXY_FLOWS")))
    }
}
