// Pins keep program and maps alive after the dataplane object (the daemon)
// is gone; the next one adopts them: same program, counters carried on
// (both generation slots' blocks, through later reloads too),
// its tables swapped in as the other generation. Removing the pins clears up.
import Foundation
import SFCCore
import SFCTrace
import SFCXDP
import Testing

@Suite struct PinTests {
    @Test func aSecondDataplaneAdoptsThePinnedProgramMapsAndCounters() throws {
        guard XDPTest.requireRoot() else { return }
        let pins = XDPTest.pinDirectory("adopt")
        defer { pins.remove() }
        let config = try XDPTest.config()
        let (bytes, ingressName) = try TableSwapTests.firstNSHCase()
        let ingress = try #require(config.portIndex(named: ingressName))
        let object = try XDPTest.objectPath()

        var firstProgram: UInt32 = 0
        do {
            let first = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object, pins: pins))
            #expect(!first.adopted)
            firstProgram = first.object.programID
            _ = try first.run(bytes, ingress: ingress)
            #expect(try first.counters().rxPackets[ingress] == 1)
            // Counts in both generation slots: the adopter finds one active, one retired.
            try first.update(config)
            _ = try first.run(bytes, ingress: ingress)
            #expect(try first.counters().rxPackets[ingress] == 2)
        }
        let pinned = Set((try? FileManager.default.contentsOfDirectory(atPath: pins.path)) ?? [])
        for name in ["sfc_xdp", "sfc_active", "sfc_chains", "sfc_class_keys", "sfc_tx_ports", "sfc_port_counts", "sfc_proxy_cache"] {
            #expect(pinned.contains(name), "\(name) not pinned in \(pins.path): \(pinned.sorted())")
        }

        let second = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object, pins: pins))
        #expect(second.adopted)
        #expect(second.adoptedProgramID == firstProgram && second.object.programID == firstProgram)
        #expect(try second.activeGeneration == 0, "the adopted tables are replaced through the other generation")
        #expect(try second.counters().rxPackets[ingress] == 2, "counters of both slots carried on")
        _ = try second.run(bytes, ingress: ingress)
        #expect(try second.counters().rxPackets[ingress] == 3)
        // Reloads after adopting fold the adopted counts like any others.
        for _ in 0..<3 { try second.update(config) }
        #expect(try second.counters().rxPackets[ingress] == 3)
        _ = try second.run(bytes, ingress: ingress)
        #expect(try second.counters().rxPackets[ingress] == 4)

        second.detach(removePins: true)
        #expect(!pins.exists, "\(pins.path) left after detach")
    }

    /// The flow hash seed lives in the program's .rodata, so a program
    /// with the same code (same tag) but another seed is not adopted: the
    /// restarted node pins its own program, which hashes with its key.
    @Test func aPinnedProgramWithAnotherFlowHashKeyIsNotAdopted() throws {
        guard XDPTest.requireRoot() else { return }
        let pins = XDPTest.pinDirectory("adopt-key")
        defer { pins.remove() }
        var config = try XDPTest.config()
        let object = try XDPTest.objectPath()
        var firstProgram: UInt32 = 0
        do {
            let first = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object, pins: pins))
            firstProgram = first.object.programID
            #expect(first.programFlowSeed == FlowHash.seed)
        }
        config.flowHashSeed = FlowHash.seed(key: Array("the key after the restart".utf8))
        let second = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object, pins: pins))
        #expect(second.adoptedProgramID == nil && second.object.programID != firstProgram)
        #expect(second.programFlowSeed == config.flowHashSeed)
        // Restarted again with that key: now its program is adopted.
        let third = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: object, pins: pins))
        #expect(third.adoptedProgramID == second.object.programID)
        #expect(third.programFlowSeed == config.flowHashSeed)
        third.detach(removePins: true)
    }
}
