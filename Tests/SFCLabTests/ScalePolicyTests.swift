// The VNF manager's decision (ScalePolicy): samples in, actions out, with
// no clock and no lab. Each rule of lab scale: (docs/CHAIN-FORMAT.md) in turn.
import SFCLab
import SFCLabConfig
import Testing

@Suite struct ScalePolicyTests {
    static let scale = LabDescription.Scale(function: "f", vnfs: ["v1", "v2", "v3"], instances: ["i1", "i2", "i3"], min: 1, max: 3,
                                            abovePPS: 1000, belowPPS: 200, aboveCPU: 80, windowMilliseconds: 1000,
                                            sampleMilliseconds: 100)

    /// Samples every 0.1 s from `from` to `to` at `pps` packets per second (and `cpu` percent of a CPU).
    static func samples(from: Double = 0, to: Double, pps: Double, cpu: Double? = 10, base: Int = 0) -> [ScaleSample] {
        stride(from: from, through: to + 1e-9, by: 0.1).map { t in
            ScaleSample(t: t, packets: base + Int((t - from) * pps), cpuMicroseconds: cpu.map { Int((t - from) * $0 * 10_000) })
        }
    }

    static func view(_ n: Int, startedAt: Double = 0, drainingSince: Double? = nil, _ samples: [ScaleSample]) -> ScaleInstanceView {
        ScaleInstanceView(vnf: "v\(n)", instance: "i\(n)", state: drainingSince == nil ? .running : .draining, startedAt: startedAt,
                          drainingSince: drainingSince, samples: samples)
    }

    @Test func ratesAreOverTheLastWindow() throws {
        // 100 pps for 2 s, then 1000 pps: the last window sees only the second rate.
        let s = Self.samples(to: 2, pps: 100) + Self.samples(from: 2.1, to: 3, pps: 1000, base: 300)
        let r = try #require(ScalePolicy.rate(s, window: 1))
        #expect(r.pps > 850 && r.pps <= 1000, "\(r.pps)")
        // Less than a window of samples: no rate.
        #expect(ScalePolicy.rate(Self.samples(to: 0.8, pps: 100), window: 1) == nil)
        // CPU in percent of one CPU.
        let c = try #require(ScalePolicy.rate(Self.samples(to: 2, pps: 10, cpu: 50), window: 1))
        #expect(abs((c.cpuPercent ?? 0) - 50) < 1e-6)
        #expect(ScalePolicy.rate(Self.samples(to: 2, pps: 10, cpu: nil), window: 1)?.cpuPercent == nil)
    }

    @Test func aboveTheThresholdStartsTheNextVNFInOrder() {
        let actions = ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 2, pps: 1500))])
        #expect(actions.count == 1)
        guard case .start(let vnf, let instance, let reason) = actions.first else { Issue.record("\(actions)"); return }
        #expect(vnf == "v2" && instance == "i2" && reason.contains("1500 pps per instance > 1000"), "\(reason)")
        // Not above: nothing.
        #expect(ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 2, pps: 900))]).isEmpty)
        // The average counts: 1500 + 300 over two is 900.
        #expect(ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 2, pps: 1500)),
                                                           Self.view(2, Self.samples(to: 2, pps: 300))]).isEmpty)
        // A gap in the order is filled first: v1 and v3 running, v2 is next.
        let gap = ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 2, pps: 1500)),
                                                             Self.view(3, Self.samples(to: 2, pps: 1500))])
        #expect(gap.first?.vnf == "v2")
    }

    @Test func cpuAboveItsThresholdStartsOneToo() {
        let actions = ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 2, pps: 100, cpu: 95))])
        guard case .start(_, _, let reason) = actions.first else { Issue.record("\(actions)"); return }
        #expect(reason.contains("i1 at 95% CPU > 80%"), "\(reason)")
        var noCPU = Self.scale
        noCPU.aboveCPU = nil
        #expect(ScalePolicy.decide(noCPU, instances: [Self.view(1, Self.samples(to: 2, pps: 100, cpu: 95))]).isEmpty)
    }

    @Test func atMaxNothingStarts() {
        let all = (1...3).map { Self.view($0, Self.samples(to: 2, pps: 5000)) }
        #expect(ScalePolicy.decide(Self.scale, instances: all).isEmpty)
    }

    @Test func aNewInstanceWithoutAWindowOfSamplesHoldsEveryDecision() {
        // v2 started at 1.5 s: no rate for it until 2.5 s, so no decision, however hot v1 is.
        let v1 = Self.view(1, Self.samples(to: 2, pps: 5000))
        let v2 = Self.view(2, startedAt: 1.5, Self.samples(from: 1.5, to: 2, pps: 5000))
        #expect(ScalePolicy.decide(Self.scale, instances: [v1, v2]).isEmpty)
        let later = Self.view(2, startedAt: 1.5, Self.samples(from: 1.5, to: 2.6, pps: 5000))
        #expect(ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 2.6, pps: 5000)), later]).first?.vnf == "v3")
    }

    @Test func belowTheThresholdDrainsTheNewestAboveMin() {
        let v1 = Self.view(1, Self.samples(to: 5, pps: 100))
        let v2 = Self.view(2, startedAt: 1, Self.samples(from: 1, to: 5, pps: 100))
        let v3 = Self.view(3, startedAt: 2, Self.samples(from: 2, to: 5, pps: 100))
        let actions = ScalePolicy.decide(Self.scale, instances: [v1, v3, v2])
        guard case .drain(let vnf, _, let reason) = actions.first, actions.count == 1 else { Issue.record("\(actions)"); return }
        #expect(vnf == "v3" && reason.contains("100 pps per instance < 200"), "\(reason)")
        // At min: nothing, however idle.
        #expect(ScalePolicy.decide(Self.scale, instances: [Self.view(1, Self.samples(to: 5, pps: 0))]).isEmpty)
        // Between the thresholds: nothing.
        #expect(ScalePolicy.decide(Self.scale, instances: [v1, Self.view(2, startedAt: 1, Self.samples(from: 1, to: 5, pps: 500))]).isEmpty)
    }

    @Test func aDrainingInstanceIsRemovedOnceItsCounterStoodStillForAWindow() {
        let v1 = Self.view(1, Self.samples(to: 6, pps: 100))
        // Draining since 4 s, still moving until 4.5 s, then still: at 5.4 s not yet a whole quiet window, at 5.6 s yes.
        func draining(until end: Double) -> ScaleInstanceView {
            let moving = Self.samples(from: 2, to: 4.5, pps: 100)
            let last = moving.last!.packets
            let still = stride(from: 4.6, through: end + 1e-9, by: 0.1).map { ScaleSample(t: $0, packets: last) }
            return Self.view(2, startedAt: 2, drainingSince: 4, moving + still)
        }
        #expect(ScalePolicy.decide(Self.scale, instances: [v1, draining(until: 5.4)]).isEmpty)
        let actions = ScalePolicy.decide(Self.scale, instances: [v1, draining(until: 5.6)])
        guard case .remove(let vnf, let instance, _) = actions.first else { Issue.record("\(actions)"); return }
        #expect(vnf == "v2" && instance == "i2")
        // While one drains, nothing else is decided (however hot the others).
        let hot = Self.view(1, Self.samples(to: 6, pps: 9000))
        #expect(ScalePolicy.decide(Self.scale, instances: [hot, draining(until: 5.0)]).isEmpty)
    }
}
