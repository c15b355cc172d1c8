// Which instance of a function a packet goes to: the live bucket table, the
// instance states and the node's flow affinity table (docs/PIPELINE.md
// "Instance state, fail mode and flow affinity"; BPF: BPF/sfc_instance.h).

extension Pipeline {
    /// The instance index for flow `hash` at function `f`, or -1 when no
    /// instance can take it (the function's fail mode decides).
    @inline(__always)
    func chooseInstance(function f: Int, hash: UInt32) -> Int {
        let base = tables.instanceCounterBase[f]
        let n = tables.functions[f].instanceIDs.count
        // One instance, the common case, inline; the choice among several
        // (buckets, affinity) stays out of line, so callers stay small.
        if n <= 1 { return n == 1 && live.states[base] != UInt8(SharedSpec.SFC_INSTANCE_DOWN) ? 0 : -1 }
        return chooseAmongInstances(function: f, hash: hash, base: base, count: n)
    }

    @inline(never)
    func chooseAmongInstances(function f: Int, hash: UInt32, base: Int, count n: Int) -> Int {
        let down = UInt8(SharedSpec.SFC_INSTANCE_DOWN)
        let bucketCount = InstanceSelector.bucketCount
        let b = Int(live.buckets[f * bucketCount + Int(hash & UInt32(bucketCount - 1))])
        let none = Int(InstanceSelector.none)
        let idle = tables.functions[f].affinityIdleTicks
        if idle == 0 { return b == none ? -1 : b }
        let fid = tables.functions[f].id
        let now = nowTick.pointee
        let ways = AffinityTable.ways
        let set = Int(FlowHash.fmix32(hash ^ fid) & UInt32(AffinityTable.sets - 1))
        let entries = shared.affinity.words + set * ways * 4
        for w in 0..<ways {
            let e = entries + w * 4
            guard e[0] == hash && e[1] == fid else { continue }
            let alive = Int32(bitPattern: e[3] &- now) >= 0
            var i = -1
            for k in 0..<n where tables.functions[f].instanceIDs[k] == e[2] { i = k; break }
            if i >= 0 && alive && live.states[base + i] != down {
                let expires = now &+ idle
                if e[3] != expires { e[3] = expires }
                return i
            }
            if b == none { return -1 }
            writeAffinity(e, hash: hash, function: fid, instance: tables.functions[f].instanceIDs[b], expires: now &+ idle)
            stats.countEvent(alive ? .affinityMoved : .affinityExpired)
            return b
        }
        if b == none { return -1 }
        var victim = -1
        var event = NodeEvent.affinityEvicted
        for w in 0..<ways where entries[w * 4 + 1] == 0 { victim = w; event = .affinityNew; break }
        if victim < 0 {
            for w in 0..<ways where Int32(bitPattern: entries[w * 4 + 3] &- now) < 0 { victim = w; event = .affinityExpired; break }
        }
        if victim < 0 {
            var soonest = Int32.max
            for w in 0..<ways {
                let left = Int32(bitPattern: entries[w * 4 + 3] &- now)
                if victim < 0 || left < soonest { soonest = left; victim = w }
            }
        }
        writeAffinity(entries + victim * 4, hash: hash, function: fid, instance: tables.functions[f].instanceIDs[b],
                      expires: now &+ idle)
        stats.countEvent(event)
        return b
    }

    /// Instance and expiry first, key last: a reader on another lcore that
    /// sees the new key sees its instance.
    @inline(__always)
    func writeAffinity(_ e: UnsafeMutablePointer<UInt32>, hash: UInt32, function: UInt32, instance: UInt32, expires: UInt32) {
        e[2] = instance
        e[3] = expires
        e[0] = hash
        e[1] = function
    }

    /// Is instance `i` of function `f` down (a proxy SID fronting it fails)?
    @inline(__always)
    func instanceIsDown(function f: Int, instance i: Int) -> Bool {
        live.states[tables.instanceCounterBase[f] + i] == UInt8(SharedSpec.SFC_INSTANCE_DOWN)
    }
}
