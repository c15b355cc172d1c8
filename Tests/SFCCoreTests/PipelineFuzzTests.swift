// Mutated traffic through the whole pipeline: nothing traps, every packet
// ends forwarded or dropped with a reason, and the counters add up.
import Testing
@testable import SFCCore

@Suite struct PipelineFuzzTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    }

    /// Valid frames of every kind the topology handles, with the port each arrives on.
    static var seeds: [([UInt8], Int)] {
        var list: [([UInt8], Int)] = []
        for port: UInt16 in [80, 53, 104, 11112, 443, 8443] {
            list.append((Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: port)), Topo.clients))
        }
        list.append((Topo.clientFrame(.udp(sourcePort: 1, destinationPort: 53)), Topo.clients))
        list.append((Topo.clientFrame(.icmpEcho(identifier: 1, sequence: 1)), Topo.clients))
        list.append((SRv6Frames.frame(da: "fc00:1::e", segments: ["fc00:1::d4", "fc00:1::e"], segmentsLeft: 1), Topo.sr))
        list.append((SRv6Frames.frame(da: "fc00:1::a1", segments: ["fc00:1::d4", "fc00:2::10", "fc00:1::a1"], segmentsLeft: 2), Topo.sr))
        list.append((SRv6Frames.frame(da: "fc00:1::a2", segments: ["fc00:1::d4", "fc00:1::a3"], segmentsLeft: 2), Topo.sr))
        list.append((SRv6Frames.frame(da: "fc00:1::76", segments: ["fc00:1::76"], segmentsLeft: 0), Topo.sr))
        // NSH from an SF, and what the firewall and the SR proxies send back.
        let p = Topo.pipeline()
        var toIDS = p.process(Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 80)), ingress: Topo.clients).output
        toIDS[21] -= 1
        list.append((toIDS, Topo.services))
        let inner = Array(Topo.clientFrame(.tcp(sourcePort: 40000, destinationPort: 80))[14...])
        for (mac, vlan) in [(Topo.fw1, UInt16(10)), (Topo.asMAC, 20), (Topo.adMAC, 21)] {
            list.append((PacketBuilder.ethernet(destination: Topo.config.ports[Topo.services].mac, source: mac, vlan: vlan,
                                                etherType: EtherType.ipv4) + inner, Topo.services))
        }
        let remote = p.process(Topo.clientFrame(.udp(sourcePort: 5000, destinationPort: 53)), ingress: Topo.clients).output
        list.append((remote, Topo.uplink))
        return list
    }

    static func mutate(_ frame: [UInt8], _ rng: inout Rng) -> [UInt8] {
        var f = frame
        switch rng.below(5) {
        case 0: f = Array(f.prefix(rng.below(f.count + 1)))                            // truncate
        case 1: for _ in 0...rng.below(4) where !f.isEmpty { f[rng.below(min(f.count, 120))] ^= UInt8(1 << rng.below(8)) }
        case 2: for _ in 0...rng.below(3) where !f.isEmpty { f[rng.below(min(f.count, 120))] = UInt8(truncatingIfNeeded: rng.next()) }
        case 3: f += (0..<rng.below(64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }  // trailing junk
        default: break                                                                  // as is
        }
        return f
    }

    @Test func mutatedTrafficNeverTrapsAndIsAlwaysAccountedFor() {
        let pipeline = Topo.pipeline()
        let seeds = Self.seeds
        var rng = Rng(state: 0x5FC0_1234_ABCD_0001)
        let batch = PacketBatch(capacity: 32)
        var forwarded = 0, dropped = 0
        for _ in 0..<(25_000 / 32) {
            batch.reset()
            for _ in 0..<32 {
                let (seed, port) = seeds[rng.below(seeds.count)]
                let ingress = rng.below(10) == 0 ? rng.below(Topo.config.ports.count) : port
                batch.append(Self.mutate(seed, &rng), ingress: ingress)
            }
            pipeline.process(batch)
            for i in 0..<batch.count {
                let meta = batch.meta[i]
                switch meta.verdict {
                case .forward:
                    forwarded += 1
                    #expect(meta.dropReason == nil)
                    let port = Int(meta.egressPort)
                    #expect(port >= 0 && port < Topo.config.ports.count)
                    let packet = batch.packets[i]
                    #expect(packet.length >= 14 && packet.length <= Topo.config.ports[port].mtu + 18)
                    #expect(packet.headroom >= 0 && packet.headroom + packet.length <= packet.capacity)
                case .drop:
                    dropped += 1
                    #expect(meta.dropReason != nil)
                case .consumed:
                    Issue.record("a mutated frame was taken for a liveness probe")
                case .pending:
                    Issue.record("a packet left the pipeline without a verdict")
                }
            }
        }
        let c = pipeline.counters
        #expect(c.rxPackets.reduce(0, +) == UInt64(forwarded + dropped))
        #expect(c.txPackets.reduce(0, +) == UInt64(forwarded))
        #expect(c.totalDrops == UInt64(dropped))
        #expect(forwarded > 1000 && dropped > 1000)  // both outcomes exercised
    }
}
