// What apply refuses without touching DPDK: a change of the port set
// (count, names, or a port's device in the chain file's dpdk section);
// and the trace ring's C layout against TraceRecord.
import CDPDK
import Testing
@testable import SFCDPDK
import SFCConfig
import SFCCore
@testable import SFCTestSupport

@Suite struct DPDKReloadRefusalTests {
    static let dir = Forwarder.repositoryRoot + "/Tests/Fixtures/reload"

    func tables(_ name: String, _ change: (inout CompiledConfig) -> Void = { _ in }) throws -> ForwardingTables {
        var config = try #require(ChainFile.load(path: Self.dir + "/" + name).config)
        change(&config)
        return ForwardingTables(config)
    }

    @Test func rulesChainsAndWeightsMayChangeButPortsMayNot() throws {
        let a = try tables("a.yaml"), b = try tables("b.yaml")
        #expect(DPDKDataplane.portChange(from: a, to: b) == nil)
        #expect(DPDKDataplane.portChange(from: a, to: try tables("ports.yaml"))?.contains("internet-edge") == true)
        let fewer = try tables("a.yaml") { $0.ports.removeLast(); $0.chains = []; $0.rules = [] }
        #expect(DPDKDataplane.portChange(from: a, to: fewer)?.contains("number of ports") == true)
        let withDevices = try tables("a.yaml") { c in
            c.dpdk = DPDKConfig(ports: c.ports.indices.map { DPDKPortConfig(device: "net_null\($0)") })
        }
        let otherDevice = try tables("a.yaml") { c in
            c.dpdk = DPDKConfig(ports: c.ports.indices.map { DPDKPortConfig(device: $0 == 1 ? "net_tap1" : "net_null\($0)") })
        }
        #expect(DPDKDataplane.portChange(from: withDevices, to: withDevices) == nil)
        let why = DPDKDataplane.portChange(from: withDevices, to: otherDevice)
        #expect(why?.contains("services") == true && why?.contains("net_tap1") == true, "\(why ?? "nil")")
    }

    @Test func theTraceRingKeepsAsManyFrameBytesAsATraceRecord() {
        #expect(Int(SFC_TRACE_FRAME_BYTES) == TraceRecord.frameBytes)
        #expect(MemoryLayout<sfc_trace_slot>.size >= 2 * TraceRecord.frameBytes)
    }
}
