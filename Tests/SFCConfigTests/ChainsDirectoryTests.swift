// Every example in Chains/ must pass check with no error and no warning:
// they are the documentation people copy from.
import Foundation
import SFCConfig
import SFCCore
import Testing

@Suite struct ChainsDirectoryTests {
    static var chainFiles: [URL] {
        let dir = Fixture.repoRoot.appendingPathComponent("Chains")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test func requiredExamplesExist() {
        let names = Set(Self.chainFiles.map(\.lastPathComponent))
        for required in ["hospital-edge.yaml", "building-management.yaml", "srv6-mixed.yaml", "multi-instance.yaml"] {
            #expect(names.contains(required), "Chains/\(required) is missing")
        }
    }

    @Test(arguments: chainFiles)
    func compilesWithoutDiagnostics(file: URL) {
        let (config, diagnostics) = ChainFile.load(path: file.path)
        #expect(config != nil)
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.rendered).joined(separator: "\n"))")
    }

    @Test func hospitalEdgeShape() throws {
        let config = try #require(ChainFile.load(path: Fixture.repoRoot.appendingPathComponent("Chains/hospital-edge.yaml").path).config)
        let dicom = try #require(config.chainIndex(named: "dicom").map { config.chains[$0] })
        #expect(dicom.hops.map { config.functions[$0].kind } == [.nshUnaware, .nshAware])
        let pacs = try #require(config.functionIndex(named: "pacs-tls-inspection").map { config.functions[$0] })
        #expect(pacs.instances.map(\.weight) == [3, 1])
        let telemetry = try #require(config.chainIndex(named: "pump-telemetry").map { config.chains[$0] })
        #expect(telemetry.metadata == .type2(tlvs: [NSHTLV(metadataClass: 0, type: 1, value: [0, 0, 0, 0x65])]))
    }

    @Test func srv6MixedShape() throws {
        let config = try #require(ChainFile.load(path: Fixture.repoRoot.appendingPathComponent("Chains/srv6-mixed.yaml").path).config)
        let proxies = config.functions.compactMap(\.proxy)
        #expect(Set(proxies) == [.staticProxy, .dynamicProxy, .masquerading])
        #expect(config.chains.contains { $0.reduced })
        let behaviors = Set(config.sids.map(\.behavior))
        #expect(behaviors.isSuperset(of: [.end, .endX, .endDX4]))
        #expect(behaviors.contains(.endDT6) || behaviors.contains(.endDX6))
    }

    @Test func multiInstanceShape() throws {
        let config = try #require(ChainFile.load(path: Fixture.repoRoot.appendingPathComponent("Chains/multi-instance.yaml").path).config)
        let filter = try #require(config.functionIndex(named: "url-filter").map { config.functions[$0] })
        #expect(filter.instances.count >= 3)
        #expect(filter.instances.contains { $0.peer != nil })
        #expect(Set(filter.instances.map(\.weight)).count > 1)
    }
}
