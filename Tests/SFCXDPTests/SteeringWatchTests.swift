// A steering rule's hits are counted (its idle expiry reads them), the same
// on XDP as in the reference pipeline, by the rule's name across a reload
// that adds another steering rule before it; the file's own rules are not
// counted. BPF_PROG_RUN, root.
import Foundation
import SFCConfig
import SFCCore
@testable import SFCFixtures
import SFCXDP
import Testing

@Suite(.serialized) struct SteeringWatchTests {
    static let users = 0

    static func compile(_ steering: [String]) throws -> CompiledConfig {
        let path = XDPTest.repositoryRoot + "/Tests/Fixtures/reload/xdp-a.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let rules = steering.enumerated().map { SteeringRuleText(source: "steer:\($0.offset)", text: $0.element) }
        let (config, diagnostics) = ChainFile.parse(text: text, file: path, steering: rules)
        return try #require(config, "\(diagnostics.map(\.rendered))")
    }

    @Test func aSteeringRulesHitsAreCountedOnXDPAsInTheReferenceAndCarriedByName() throws {
        guard XDPTest.requireRoot() else { return }
        let cam = "{name: cam, priority: 0, chain: web, ingress: users, protocol: udp, source: 10.1.0.9, destination-port: 5004}"
        let one = try Self.compile([cam])
        let rule = try #require(one.rules.first { $0.name == "cam" })
        #expect(rule.watchSlot == 0 && one.rules.filter { $0.watchSlot >= 0 }.count == 1)
        let dataplane = try XDPDataplane(config: one, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        let pipeline = Pipeline(tables: ForwardingTables(one))
        let steered = ReloadCounterTests.flow(one, proto: "udp", sport: 4000, dport: 5004, source: "10.1.0.9")
        let other = ReloadCounterTests.flow(one, proto: "tcp", sport: 4000, dport: 80)
        for frame in [steered, steered, other, steered] {
            let ref = DifferentialTests.reference(pipeline, CorpusPacket(ingress: Self.users, frame: frame, origin: "watch"))
            let got = DifferentialTests.xdp(dataplane, CorpusPacket(ingress: Self.users, frame: frame, origin: "watch"))
            #expect(ref == got)
        }
        let tables = ForwardingTables(one)
        #expect(pipeline.counters.steeringRulePackets(tables) == ["cam": 3])
        #expect(try dataplane.counters().steeringRulePackets(tables) == ["cam": 3])

        // Another steering rule added first: cam moves to slot 1 and keeps its count.
        let two = try Self.compile(["{name: zone, priority: 1, chain: web, ingress: users, protocol: tcp, source: 10.1.0.77}", cam])
        #expect(two.rules.first { $0.name == "cam" }?.watchSlot == 1)
        try dataplane.update(two, generation: 1)
        _ = try dataplane.run(steered, ingress: Self.users)
        let after = try dataplane.counters().steeringRulePackets(ForwardingTables(two, generation: 1))
        #expect(after == ["cam": 4, "zone": 0], "\(after)")
    }
}
