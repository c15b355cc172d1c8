// Weighted, consistent instance choice.
//
// A flow's hash picks one of `bucketCount` buckets; each bucket belongs to
// one instance. Buckets are assigned by rendezvous (highest random weight)
// hashing over virtual nodes: an instance of weight w takes part as w
// virtual nodes, each scored hash(bucket, instance name, k). The bucket
// goes to the highest score. Because a bucket's winner only changes when the
// winner itself leaves or a newcomer outscores it, adding or removing an
// instance moves only the flows that must move; weights give each instance
// a proportional share. The table is what dataplanes load (an array map in
// XDP), so a per-packet choice is one index.

public struct InstanceSelector: Sendable, Equatable {
    @inline(__always) public static var bucketCount: Int { SharedSpec.SFC_INSTANCE_BUCKET_COUNT }
    public let buckets: [UInt16]

    /// `instances` are (stable name, weight >= 1). An empty list gives an
    /// empty table (no instance can be chosen).
    public init(instances: [(name: String, weight: Int)]) {
        guard !instances.isEmpty else { buckets = []; return }
        var virtualNodes: [(instance: UInt16, id: UInt32)] = []
        for (index, instance) in instances.enumerated() {
            let base = FlowHash.ofName(instance.name)
            for k in 0..<max(1, instance.weight) {
                virtualNodes.append((UInt16(index), FlowHash.mix(base, UInt32(k))))
            }
        }
        var table = [UInt16](repeating: 0, count: InstanceSelector.bucketCount)
        for bucket in 0..<InstanceSelector.bucketCount {
            let b = FlowHash.fmix32(UInt32(bucket) &* 0x9E37_79B1 &+ 1)
            var best: UInt32 = 0
            var winner: UInt16 = 0
            var first = true
            for node in virtualNodes {
                let score = FlowHash.fmix32(b ^ node.id)
                if first || score > best || (score == best && node.instance < winner) {
                    best = score; winner = node.instance; first = false
                }
            }
            table[bucket] = winner
        }
        buckets = table
    }

    /// The instance index for a flow hash.
    @inline(__always)
    public func instance(forHash hash: UInt32) -> Int {
        Int(buckets[Int(hash) & (InstanceSelector.bucketCount - 1)])
    }
}
