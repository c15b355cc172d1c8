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
    /// SFC_BUCKET_NONE: no instance takes new flows.
    @inline(__always) public static var none: UInt16 { UInt16(SharedSpec.SFC_BUCKET_NONE) }
    public let buckets: [UInt16]

    /// `instances` are (stable name, weight >= 1). An empty list gives an
    /// empty table (no instance can be chosen).
    public init(instances: [(name: String, weight: Int)]) {
        self.init(instances: instances.map { ($0.name, $0.weight, true) })
    }

    /// Only instances with `eligible` set (state up) own buckets; a bucket
    /// holds the instance's index in the full list. None eligible: every
    /// bucket is `none`.
    public init(instances: [(name: String, weight: Int, eligible: Bool)]) {
        guard !instances.isEmpty else { buckets = []; return }
        guard instances.contains(where: \.eligible) else {
            buckets = [UInt16](repeating: InstanceSelector.none, count: InstanceSelector.bucketCount)
            return
        }
        var virtualNodes: [(instance: UInt16, id: UInt32)] = []
        for (index, instance) in instances.enumerated() where instance.eligible {
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

    /// The instance index for a flow hash (`none` when no instance is up).
    @inline(__always)
    public func instance(forHash hash: UInt32) -> Int {
        Int(buckets[Int(hash) & (InstanceSelector.bucketCount - 1)])
    }
}
