// The pipeline's counters in one flat block of memory. A pipeline belongs to
// one thread, so plain increments; a raw pointer instead of arrays in a
// class `var` because Swift checks exclusivity dynamically on every access
// to a class's stored `var` (measured: a third of all instructions).
// `snapshot` turns it into the `Counters` value that readers merge.

struct CounterBlock {
    let base: UnsafeMutablePointer<UInt64>
    let rx: Int, tx: Int, txBytes: Int, drops: Int
    let chainPackets: Int, chainBytes: Int, hops: Int, instances: Int, watch: Int, events: Int
    let total: Int
    let ports: Int, chainCount: Int, hopCount: Int, instanceCount: Int

    init(tables: ForwardingTables) {
        ports = tables.ports.count
        chainCount = tables.chains.count
        hopCount = tables.hopCounterCount
        instanceCount = tables.instanceCounterCount
        rx = 0
        tx = rx + ports
        txBytes = tx + ports
        drops = txBytes + ports
        chainPackets = drops + SharedSpec.SFC_DROP_REASON_SLOTS
        chainBytes = chainPackets + chainCount
        hops = chainBytes + chainCount
        instances = hops + hopCount
        watch = instances + instanceCount
        events = watch + SharedSpec.SFC_MAX_WATCHED_RULES
        total = events + SharedSpec.SFC_EVENT_SLOTS
        base = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, total))
        base.initialize(repeating: 0, count: max(1, total))
    }

    func deallocate() { base.deallocate() }

    @inline(__always) func countRX(port: Int) { base[rx + port] &+= 1 }
    @inline(__always) func countTX(port: Int, bytes: Int) {
        base[tx + port] &+= 1
        base[txBytes + port] &+= UInt64(bytes)
    }
    @inline(__always) func countDrop(_ reason: DropReason) { base[drops + Int(reason.rawValue)] &+= 1 }
    /// Packets counted as sent that the dataplane then could not send: off
    /// the port's TX counters, onto `reason`.
    func countNotSent(port: Int, packets: Int, bytes: UInt64, reason: DropReason) {
        base[tx + port] &-= UInt64(packets)
        base[txBytes + port] &-= bytes
        base[drops + Int(reason.rawValue)] &+= UInt64(packets)
    }
    @inline(__always) func countChain(_ c: Int, bytes: Int) {
        base[chainPackets + c] &+= 1
        base[chainBytes + c] &+= UInt64(bytes)
    }
    @inline(__always) func countHop(_ index: Int) { base[hops + index] &+= 1 }
    @inline(__always) func countInstance(_ index: Int) { base[instances + index] &+= 1 }
    @inline(__always) func countWatch(_ slot: Int) { base[watch + slot] &+= 1 }
    @inline(__always) func countEvent(_ event: NodeEvent) { base[events + Int(event.rawValue)] &+= 1 }

    func snapshot(tables: ForwardingTables) -> Counters {
        var c = Counters(tables: tables)
        func copy(_ offset: Int, _ count: Int) -> [UInt64] { Array(UnsafeBufferPointer(start: base + offset, count: count)) }
        c.rxPackets = copy(rx, ports)
        c.txPackets = copy(tx, ports)
        c.txBytes = copy(txBytes, ports)
        c.drops = copy(drops, SharedSpec.SFC_DROP_REASON_SLOTS)
        c.chainPackets = copy(chainPackets, chainCount)
        c.chainBytes = copy(chainBytes, chainCount)
        c.hopPackets = copy(hops, hopCount)
        c.instancePackets = copy(instances, instanceCount)
        c.watchPackets = copy(watch, SharedSpec.SFC_MAX_WATCHED_RULES)
        c.events = copy(events, SharedSpec.SFC_EVENT_SLOTS)
        return c
    }
}
