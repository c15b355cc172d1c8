// A new configuration goes in as the other table generation and takes
// effect in one flip: the same packet then gets the new config's answer
// (as the reference pipeline gives it), and the counters carry on.
import Foundation
import SFCConfig
import SFCCore
import SFCFixtures
import SFCTrace
import SFCXDP
import Testing

@Suite struct TableSwapTests {
    /// The first case of the NSH fixtures: classified, NSH-encapsulated, forwarded.
    static func firstNSHCase() throws -> (bytes: [UInt8], ingressName: String) {
        let file = try FixtureFile.load(path: XDPTest.repositoryRoot + "/Tests/Fixtures/nsh.json")
        let c = try #require(file.cases.first { $0.verdict == "forward" })
        return (try #require(FixtureFile.decodeHex(c.input)), c.ingressPort)
    }

    /// What the reference pipeline does with the packet, in XDP outcome terms.
    static func reference(_ config: CompiledConfig, _ bytes: [UInt8], ingress: Int) -> (XDPRunResult.Outcome, [UInt8]) {
        let (meta, output) = Pipeline(tables: ForwardingTables(config)).process(bytes, ingress: ingress)
        switch meta.verdict {
        case .forward: return (.forward(port: Int(meta.egressPort)), output)
        default: return (.drop(meta.dropReason), [])
        }
    }

    @Test func aSwappedConfigTakesEffectAtOnceAndCountersCarryOn() throws {
        guard XDPTest.requireRoot() else { return }
        let a = try XDPTest.config()
        var b = a
        b.rules = []  // config B classifies nothing
        let (bytes, ingressName) = try Self.firstNSHCase()
        let ingress = try #require(a.portIndex(named: ingressName))
        let dataplane = try XDPDataplane(config: a, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        #expect(try dataplane.activeGeneration == 0)

        let first = try dataplane.run(bytes, ingress: ingress)
        let expectA = Self.reference(a, bytes, ingress: ingress)
        #expect(first.outcome(ingress: ingress) == expectA.0, "config A: \(first)")
        #expect(first.output == expectA.1)

        try dataplane.update(b)
        #expect(try dataplane.activeGeneration == 1)
        let second = try dataplane.run(bytes, ingress: ingress)
        let expectB = Self.reference(b, bytes, ingress: ingress)
        #expect(expectB.0 == .drop(.unclassified))
        #expect(second.outcome(ingress: ingress) == expectB.0, "config B: \(second)")

        try dataplane.update(a)  // and back: the generation that was A's slot is rebuilt
        #expect(try dataplane.activeGeneration == 0)
        let third = try dataplane.run(bytes, ingress: ingress)
        #expect(third.outcome(ingress: ingress) == expectA.0)

        let counters = try dataplane.counters()
        #expect(counters.rxPackets[ingress] == 3, "rx per port: \(counters.rxPackets)")
        #expect(counters.drops(.unclassified) == 1, "drops: \(counters.drops.enumerated().filter { $0.element > 0 })")
    }
}
