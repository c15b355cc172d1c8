// The differential corpus really exercises the chains: every chain of every
// shipped chain file gets classified traffic, the walk along the chain adds
// what functions send back, and mutations reach many drop reasons.
import Foundation
import SFCConfig
import SFCCore
import SFCFixtures
import SFCTrace
import Testing

@Suite struct DifferentialCorpusTests {
    static var chainFiles: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Chains")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test func everyChainGetsTrafficAndMutationsReachManyReasons() throws {
        #expect(Self.chainFiles.count >= 4)
        for path in Self.chainFiles {
            let config = try #require(ChainFile.load(path: path).config, "\(path)")
            let tables = ForwardingTables(config)
            let valid = DifferentialCorpus.valid(tables: tables, flowsPerRule: 8, seed: 1)
            let mutated = DifferentialCorpus.mutations(of: valid, count: 2000, ports: config.ports.count, seed: 2)
            // Deterministic for a seed.
            #expect(DifferentialCorpus.valid(tables: tables, flowsPerRule: 8, seed: 1) == valid)
            let pipeline = Pipeline(tables: tables)
            var returnsAlongTheChain = 0
            for packet in valid + mutated {
                _ = pipeline.process(packet.frame, ingress: packet.ingress)
                if packet.origin.contains(", hop ") { returnsAlongTheChain += 1 }
            }
            let counters = pipeline.counters
            for (c, chain) in config.chains.enumerated() {
                #expect(counters.chainPackets[c] > 0, "\(path): chain \(chain.name) got no traffic")
            }
            #expect(returnsAlongTheChain > 0, "\(path): no frame came back from a function")
            let reasons = counters.drops.filter { $0 > 0 }.count
            // A file of NSH chains through unaware functions only (the
            // failover lab) has fewer checks to fail than one with SRv6.
            let wanted = config.chains.contains { $0.encapsulation == .srv6 } ? 5 : 4
            #expect(reasons >= wanted, "\(path): mutations reached only \(reasons) drop reasons")
        }
    }
}
