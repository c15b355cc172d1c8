// The constants both the reference pipeline (SFCCore) and the BPF program
// (BPF/include/sfc_tables.h) use: written once on each side, so checked
// here to be the same number. A change to one that is not made to the other
// would make the dataplanes disagree only on the traffic that reaches the limit.
import CLibBPF
import Testing
@testable import SFCCore

@Suite struct SharedConstantsTests {
    @Test func eachSharedConstantHasOneValue() {
        #expect(Int(SFC_MAX_LOCAL_SIDS) == Pipeline.maxLocalSIDs)
        #expect(Int(SFC_ENCAP_HOP_LIMIT) == Int(Pipeline.encapHopLimit))
        #expect(Int(SFC_PROXY_CACHE_BYTES) == Pipeline.cacheSlotSize)
        #expect(Int(SFC_INSTANCE_BUCKET_COUNT) == InstanceSelector.bucketCount)
        #expect(Int(SFC_NSH_PROXY_FLOWS) == ForwardingTables.nshProxyFlowSlots)
    }
}
