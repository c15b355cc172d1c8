// The EAL command line and the mempool check, in this process: pure Swift,
// no EAL started (that happens only in the sfc-forwarder subprocesses).
import Testing
import SFCCore
@testable import SFCDPDK

@Suite struct EALArgumentsTests {
    let noHugepages = "HugePages_Total:       0\nHugePages_Free:        0\nHugepagesize:       2048 kB\n"
    let manyHugepages = "HugePages_Total:    1024\nHugePages_Free:      1024\nHugepagesize:       2048 kB\n"

    @Test func autoFallsBackToNoHugeAndSaysHowToReserve() throws {
        let config = DPDKConfig(lcores: [0, 1], hugepages: .auto, memoryMB: 512,
                                ports: [DPDKPortConfig(device: "net_af_packet0,iface=veth0"), DPDKPortConfig(device: "0000:01:00.0")])
        let args = try EALArguments.build(config, meminfo: noHugepages, prefix: "sfc-1")
        #expect(args.arguments.contains("--no-huge"))
        #expect(args.notices.count == 1 && args.notices[0].contains("echo 256 > /proc/sys/vm/nr_hugepages"))
        #expect(args.arguments.joined(separator: " ").contains("-l 0,1 --main-lcore 0"))
        #expect(args.arguments.joined(separator: " ").contains("--vdev net_af_packet0,iface=veth0"))
        #expect(args.arguments.joined(separator: " ").contains("-a 0000:01:00.0"))
        #expect(!args.arguments.contains("--no-pci"))
        #expect(args.arguments.joined(separator: " ").contains("--file-prefix sfc-1"))
    }

    @Test func autoUsesHugepagesWhenEnoughAreFree() throws {
        let config = DPDKConfig(lcores: [1], hugepages: .auto, memoryMB: 512, ports: [DPDKPortConfig(device: "net_null0")])
        let args = try EALArguments.build(config, meminfo: manyHugepages, prefix: "p")
        #expect(!args.arguments.contains("--no-huge") && args.notices.isEmpty)
        #expect(args.arguments.contains("--no-pci"))
        #expect(try EALArguments.build(DPDKConfig(hugepages: .off), meminfo: manyHugepages, prefix: "p").arguments.contains("--no-huge"))
        #expect(try !EALArguments.build(DPDKConfig(hugepages: .on), meminfo: noHugepages, prefix: "p").arguments.contains("--no-huge"))
    }

    @Test func extraArgumentsComeLastAndBadLcoresAreRejected() throws {
        let args = try EALArguments.build(DPDKConfig(ealArguments: ["--log-level=debug"]), meminfo: nil, prefix: "p")
        #expect(args.arguments.last == "--log-level=debug")
        #expect(throws: DPDKError.self) { try EALArguments.build(DPDKConfig(lcores: []), meminfo: nil, prefix: "p") }
        #expect(throws: DPDKError.self) { try EALArguments.build(DPDKConfig(lcores: [0, 0]), meminfo: nil, prefix: "p") }
    }

    @Test func mempoolThatDoesNotFitSaysWhatToChange() {
        let plan = MempoolPlan.make(descriptors: 4 * 2 * 4096, lcores: 2, ports: 4, maxFrame: 9022, headroom: 128, mbufHeader: 128)
        #expect(plan.mbufs == 65535 && plan.dataRoom == 128 + 9022)
        do {
            try plan.check(memoryMB: 256)
            Issue.record("a \(plan.totalBytes >> 20) MiB pool fit in 256 MiB")
        } catch let error as DPDKError {
            #expect(error.kind == .mempool && error.message.contains("raise the dpdk section's `memory`"))
        } catch {
            Issue.record("\(error)")
        }
        let small = MempoolPlan.make(descriptors: 2048, lcores: 1, ports: 2, maxFrame: 1522, headroom: 128, mbufHeader: 128)
        #expect(throws: Never.self) { try small.check(memoryMB: 256) }
    }

    @Test func everyPortNeedsADevice() {
        #expect(throws: DPDKError.self) {
            try PortSetup.checkDevices(portNames: ["a", "b"], dpdk: DPDKConfig(ports: [DPDKPortConfig(device: "net_null0")]))
        }
        #expect(throws: Never.self) {
            try PortSetup.checkDevices(portNames: ["a"], dpdk: DPDKConfig(ports: [DPDKPortConfig(device: "net_null0")]))
        }
    }
}
