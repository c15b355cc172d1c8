// SRv6 HMAC (RFC 8754 s2.1.2) against the Linux kernel, which both signs
// (`encap seg6 ... hmac KEYID`) and checks (`seg6_require_hmac`) the same TLV
// (net/ipv6/seg6_hmac.c). The network is interop-srv6-topology.sh's
// forwarder-headend one; our chains sign their SRH with key 1001 and our
// core port requires a valid HMAC; dx's kernel holds key 1001 too, requires
// an HMAC on everything it receives from us (seg6_require_hmac 1 on eth0),
// and signs its replies towards our End.DX4/End.DX6 with that key.
//
//   A. same secret both sides: pings through our End.AS hop, straight to
//      dx's End.DX4 and IPv6 to its End.DT6 all come back: ours pass the
//      kernel's check, the kernel's pass ours; nothing dropped.
//   B. dx's secret changed, still required: nothing comes back (the
//      kernel does check ours, so A proves something).
//   C. dx ignores HMAC (seg6_require_hmac -1) but signs its replies with
//      the wrong secret: our core port drops each reply srv6-hmac-invalid.
//   D. dx's replies unsigned: dropped srv6-hmac-missing.
// The counts of C and D are exact: dx sends nothing else to us.
// DPDK only: the XDP program's HMAC is held to the reference byte for byte
// instead (Tests/SFCXDPTests/HMACTests.swift, FixtureTests).
import Foundation
@testable import SFCTestSupport
import Testing

@Suite(.serialized) struct InteropKernelHMACTests {
    static let secret = "interop hmac secret"

    @Test(.timeLimit(.minutes(5)))
    func ourSignedSRHPassesTheKernelsCheckAndTheKernelsSignedRepliesPassOurs() throws {
        guard Forwarder.ready(), E2ENetwork.toolsReady(), KernelSRv6Ready.ready(hmac: true, for: "kernel SRv6 HMAC interop") else { return }
        let run = try XDPRun(scenario: "isr6-hmac", script: "interop-srv6-topology.sh",
                             chain: "interop-srv6-forwarder-headend.yaml", dataplane: "dpdk")
        defer { run.tearDown() }
        // The chain file signs every chain with key 1001 and makes core require HMAC.
        let keys = run.directory + "/hmac-keys.yaml"
        try "1001: \"\(Self.secret)\"\n".write(toFile: keys, atomically: true, encoding: .utf8)
        #expect(chmod(keys, 0o600) == 0)
        var text = try String(contentsOfFile: run.chainFile, encoding: .utf8)
        let edits = [("  locator: fc00:e7::/48\n", "  locator: fc00:e7::/48\n  hmac-keys: hmac-keys.yaml\n"),
                     ("trusted: true, interface: core}", "trusted: true, require-hmac: true, interface: core}"),
                     ("    reduced: false\n", "    reduced: false\n    hmac-key: 1001\n")]
        for (old, new) in edits {
            #expect(text.contains(old), "\(run.sourceChainFile) has no `\(old)`")
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(toFile: run.chainFile, atomically: true, encoding: .utf8)

        let network = run.network
        try network.removeStale()
        try network.up(["forwarder-headend"])
        func dx(_ argv: [String]) {
            let r = network.run("dx", argv, timeout: 15)
            #expect(r.status == 0, "dx: \(argv) \(r.stderr)")
        }
        // `ip sr hmac set` reads the secret from standard input.
        func dxKey(_ secret: String) { dx(["sh", "-c", "printf '%s\\n' \"$0\" | ip sr hmac set 1001 sha256", secret]) }
        func dxReplies(signed: Bool) {
            let hmac = signed ? ["hmac", "1001"] : []
            dx(["ip", "route", "replace", "10.197.1.0/24", "encap", "seg6", "mode", "encap", "segs", "fc00:e7::d4"] + hmac + ["dev", "eth0"])
            dx(["ip", "-6", "route", "replace", "2001:db8:197:1::/64", "encap", "seg6", "mode", "encap", "segs", "fc00:e7::d6"] + hmac + ["dev", "eth0"])
        }
        func dxRequire(_ value: Int) { dx(["sysctl", "-qw", "net.ipv6.conf.eth0.seg6_require_hmac=\(value)"]) }
        dxKey(Self.secret)
        dxRequire(1)
        dxReplies(signed: true)

        let forwarder = try run.startForwarder()
        _ = try run.waitUntilForwarding(forwarder, interfaces: InteropKernelSRv6Tests.interfaces)
        func ping(_ address: String, count: Int = 3) -> Bool {
            network.run("client", ["ping", "-c", "\(count)", "-i", "0.2", "-W", "2", "-q", address], timeout: 30).status == 0
        }

        // A: both ways checked, everything comes back.
        for address in ["10.197.2.2", "10.197.2.3", "2001:db8:197:2::2"] {
            #expect(ping(address), "A: ping \(address) with the same secret on both sides\n\(forwarder.stderr.suffix(2000))")
        }
        // B: the kernel refuses what we signed with another secret.
        dxKey("not the forwarder's secret")
        #expect(!ping("10.197.2.3", count: 2), "B: dx's kernel accepted an HMAC made with another secret")
        // C: dx lets ours in, signs its replies with its (wrong) secret: we drop them.
        dxRequire(-1)
        #expect(!ping("10.197.2.3", count: 2), "C: a reply signed with the wrong secret came through")
        // D: unsigned replies.
        dxReplies(signed: false)
        #expect(!ping("10.197.2.3", count: 2), "D: an unsigned reply came through a require-hmac port")

        try run.waitUntilQuiet([("client", "eth0"), ("dx", "eth0")])
        let counters = try run.stopForwarder(forwarder, interfaces: InteropKernelSRv6Tests.interfaces)
        let drops = counters["drops"] as? [String: Int] ?? [:]
        #expect(drops == ["srv6-hmac-invalid": 2, "srv6-hmac-missing": 2],
                "C's two replies invalid, D's two missing, nothing else dropped: \(counters["drops"] ?? "none")")
        print("interop kernel HMAC (dpdk): \(XDPRun.summary(counters["ports"] as? [String: [String: Int]] ?? [:])); drops \(drops)")
        InteropScenario.removeNetwork(run)
    }
}
