// The errors an operator meets, each saying what is wrong and what to do.
import Foundation
import SFCConfig
import SFCCore
import SFCXDP
import Testing

@Suite struct ErrorTests {
    @Test func aMissingInterfaceNamesThePortAndTheInterface() throws {
        var config = try XDPTest.config()
        config.ports[1].interface = "sfc-nope0"
        do {
            _ = try XDPDataplane(config: config, options: .init(mode: .live))
            Issue.record("a port whose interface does not exist was accepted")
        } catch let error as XDPError {
            #expect(error.kind == .interfaceMissing)
            #expect(error.message.contains("port \(config.ports[1].name)") && error.message.contains("sfc-nope0"), "\(error)")
        }
    }

    @Test func anObjectPathThatDoesNotExistIsAnOpenError() throws {
        do {
            _ = try XDPDataplane(config: try XDPTest.config(), options: .init(mode: .test, objectPath: "/nonexistent/sfc_xdp.o"))
            Issue.record("opened a file that does not exist")
        } catch let error as XDPError {
            #expect(error.kind == .objectNotFound)
            #expect(error.message.contains("/nonexistent/sfc_xdp.o"), "\(error)")
        }
    }

    @Test func aConfigOverTheMapLimitsIsRefusedBeforeLoading() throws {
        var config = try XDPTest.config()
        let c = try #require(config.chains.firstIndex { !$0.hops.isEmpty })
        config.chains[c].hops = Array(repeating: config.chains[c].hops[0], count: 17)
        #expect(throws: XDPError.self) { try TableImage(tables: ForwardingTables(config), ifindexes: []) }
        do { _ = try TableImage(tables: ForwardingTables(config), ifindexes: []) } catch let error as XDPError {
            #expect(error.kind == .configTooLarge && error.message.contains("SFC_MAX_HOPS"), "\(error)")
        }
    }

    @Test func moreRangeCandidatesThanOneKeyHoldsAreRefused() throws {
        var config = try XDPTest.config()
        let chain = 0
        // Nine rules, one key (proto only), destination ranges none of which covers another.
        config.rules = (0..<9).map { (i: Int) -> ClassifierRule in
            let low = UInt16(100 + i), high = UInt16(200 + i)
            return ClassifierRule(name: "r\(i)", priority: 10, chain: chain, family: .ipv4, proto: 6, destinationPorts: low...high)
        }
        do {
            _ = try TableImage(tables: ForwardingTables(config), ifindexes: [])
            Issue.record("9 candidates for one key were accepted")
        } catch let error as XDPError {
            #expect(error.kind == .configTooLarge && error.message.contains("SFC_CLASS_CANDIDATES") && error.message.contains("r8"), "\(error)")
        }
        // Covered ranges never win and are left out: then one key holds them all.
        config.rules = (0..<9).map { (i: Int) -> ClassifierRule in
            let low = UInt16(100 + i), high: UInt16 = i == 0 ? 300 : UInt16(200 + i)
            return ClassifierRule(name: "r\(i)", priority: 10, chain: chain, family: .ipv4, proto: 6, destinationPorts: low...high)
        }
        let image = try TableImage(tables: ForwardingTables(config), ifindexes: [])
        #expect(image.maps["sfc_class_keys"]?.entries.count == 1)
    }

    @Test func aVerifierRejectionQuotesTheEndOfTheVerifierLog() throws {
        guard XDPTest.requireRoot() else { return }
        let dir = NSTemporaryDirectory() + "sfc-xdp-broken-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Reads the packet without checking data_end: the verifier must refuse it.
        let source = """
            #include <linux/bpf.h>
            #include <bpf/bpf_helpers.h>
            SEC("xdp") int sfc_xdp(struct xdp_md *ctx) { unsigned char *p = (unsigned char *)(long)ctx->data; return p[20]; }
            char LICENSE[] SEC("license") = "GPL";
            """
        try source.write(toFile: dir + "/broken.c", atomically: true, encoding: .utf8)
        let clang = ["/usr/bin/clang", "/opt/swift/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let compiler = try #require(clang, "no clang to build the broken test object")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: compiler)
        p.arguments = ["-target", "bpf", "-g", "-O2", "-I/usr/include/x86_64-linux-gnu", "-c", dir + "/broken.c", "-o", dir + "/sfc_xdp.o"]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "clang failed on the broken test object")
        do {
            _ = try BPFObject(path: dir + "/sfc_xdp.o")
            Issue.record("the verifier accepted an unchecked packet read")
        } catch let error as XDPError {
            #expect(error.kind == .verifierRejected, "\(error)")
            #expect(error.message.contains("invalid access to packet"), "\(error)")
            #expect(error.message.split(separator: "\n").count <= 32, "only the end of the log: \(error)")
        }
    }
}
