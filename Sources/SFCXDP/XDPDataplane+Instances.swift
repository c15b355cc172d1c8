// Instance liveness on the XDP dataplane (docs/PIPELINE.md "Instance state,
// fail mode and flow affinity", "Liveness probes"): a function's bucket
// table and its instances' states rewritten in place in the generation
// packets use (a failover is a small table write, not a reload), the probe
// replies the program recorded, and probes sent out of a port's interface.
import CLibBPF
import Glibc
import SFCCore

extension XDPDataplane {
    /// Rewrites function `f`'s bucket table and instance states in the
    /// running generation. An instance going down is marked first (so a
    /// flow remembered on it moves at once), then the buckets, then the
    /// other states.
    public func setInstances(function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {
        guard f >= 0 && f < tables.functions.count else {
            throw XDPError(.mapUpdate, "no function \(f): the tables have \(tables.functions.count)")
        }
        let count = tables.functions[f].config.instances.count
        guard states.count == count, selector.buckets.count == Int(SFC_INSTANCE_BUCKET_COUNT) else {
            throw XDPError(.mapUpdate, "function \(tables.functions[f].config.name): \(states.count) states and "
                           + "\(selector.buckets.count) buckets for \(count) instances")
        }
        let slot = try activeGeneration & 1
        let functions = try innerMap("sfc_functions", slot: slot)
        defer { close(functions) }
        let instances = try innerMap("sfc_instances", slot: slot)
        defer { close(instances) }
        var entries: [sfc_instance] = []
        for i in 0..<count {
            var entry = sfc_instance()
            let key = UInt32(f * Int(SFC_MAX_INSTANCES) + i)
            guard withUnsafeMutableBytes(of: &entry, { MapIO.lookup(instances, key, into: $0) }) else {
                throw XDPError(.mapUpdate, "sfc_instances has no entry \(key) in generation slot \(slot)")
            }
            entries.append(entry)
        }
        let goingDown = (0..<count).map { states[$0] == .down && entries[$0].state != InstanceState.down.wireCode }
        func writeState(_ i: Int) throws {
            entries[i].state = states[i].wireCode
            try MapIO.update(instances, UInt32(f * Int(SFC_MAX_INSTANCES) + i), entries[i], map: "sfc_instances")
        }
        for i in 0..<count where goingDown[i] { try writeState(i) }
        var entry = sfc_function()
        guard withUnsafeMutableBytes(of: &entry, { MapIO.lookup(functions, UInt32(f), into: $0) }) else {
            throw XDPError(.mapUpdate, "sfc_functions has no entry \(f) in generation slot \(slot)")
        }
        TableImage.setBuckets(&entry, selector)
        try MapIO.update(functions, UInt32(f), entry, map: "sfc_functions")
        for i in 0..<count where !goingDown[i] { try writeState(i) }
    }

    /// The inner map of generation slot `slot` of outer map `name` (the
    /// caller closes the fd).
    func innerMap(_ name: String, slot: UInt32) throws -> Int32 {
        let outer = try object.mapFD(name)
        guard let id = MapIO.lookupU32(outer, slot), id != 0 else {
            throw XDPError(.mapMissing, "\(name) has no table in generation slot \(slot)")
        }
        let fd = bpf_map_get_fd_by_id(id)
        guard fd >= 0 else { throw XDPError(.mapMissing, "cannot open \(name)'s table (map id \(id)): \(errnoText(errno))") }
        return fd
    }

    /// The last sequence recorded for probe `token` and how many came back.
    public func probeReply(token: Int) -> (sequence: UInt32, count: UInt32) {
        guard token >= 0 && token < Int(SFC_MAX_PROBES), let fd = try? object.mapFD("sfc_probe_replies") else { return (0, 0) }
        var r = sfc_probe_reply()
        guard withUnsafeMutableBytes(of: &r, { MapIO.lookup(fd, UInt32(token), into: $0) }) else { return (0, 0) }
        return (r.sequence, r.count)
    }

    /// Sends a probe frame out of port `port`'s interface (live mode, a port
    /// with an interface). False when it could not be sent.
    public func sendProbe(port: Int, frame: [UInt8]) -> Bool {
        guard port >= 0 && port < ifindexes.count, ifindexes[port] != 0 else { return false }
        if probeSocket < 0 {
            let fd = sfc_packet_socket()
            guard fd >= 0 else {
                logger.warning("cannot open an AF_PACKET socket for liveness probes: \(errnoText(-fd))")
                return false
            }
            probeSocket = fd
        }
        return frame.withUnsafeBytes { sfc_packet_send(probeSocket, Int32(ifindexes[port]), $0.baseAddress, $0.count) } == 0
    }
}
