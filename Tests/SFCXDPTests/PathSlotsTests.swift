// The (SPI, SI) table of the XDP program is an array the loader lays out
// (Sources/SFCXDP/PathSlots.swift) and the program searches by linear
// probing from sfc_path_home (BPF/sfc_nsh.h sfc_path_lookup): every key
// must be found within SFC_PATH_PROBES slots with no empty slot before it,
// a layout that would need more probes must be refused, and the program
// must find entries its home slot does not hold, on both of its lookups
// (the SFF's first, and the one after a hop it skipped or at the path end).
import CLibBPF
import Foundation
import SFCConfig
import SFCCore
import SFCFixtures

@testable import SFCXDP
import Testing

@Suite struct PathSlotsTests {
    /// The program's search, over a layout (slot -> key).
    static func search(_ key: UInt32, in table: [UInt32: UInt32]) -> UInt32? {
        let home = sfc_path_home(key)
        for i in 0..<UInt32(SFC_PATH_PROBES) {
            let slot = (home &+ i) & UInt32(SFC_PATH_SLOTS - 1)
            guard let resident = table[slot] else { return nil }
            if resident == key { return slot }
        }
        return nil
    }

    /// `count` keys whose probe sequences all start at `home`.
    static func keys(sharingHome home: UInt32, count: Int, si: UInt32 = 255, skipping: Set<UInt32> = []) -> [UInt32] {
        var out: [UInt32] = []
        var spi: UInt32 = 1
        while out.count < count {
            let key = spi << 8 | si
            if sfc_path_home(key) == home && !skipping.contains(key) { out.append(key) }
            spi += 1
        }
        return out
    }

    @Test func aFullTableOfKeysIsFoundWithinTheProbesTheProgramMakes() throws {
        var rng = DifferentialCorpus.Random(seed: 0x5A7B)
        var keys = Set<UInt32>()
        while keys.count < Int(SFC_MAX_PATHS) { keys.insert(UInt32(truncatingIfNeeded: rng.next())) }
        let slots = try PathSlots.layout(Array(keys)).get()
        #expect(slots.count == keys.count)
        let table = Dictionary(uniqueKeysWithValues: slots.map { ($0.value, $0.key) })
        #expect(table.count == keys.count, "two keys share a slot")
        for key in keys {
            #expect(Self.search(key, in: table) == slots[key], "key \(key) at slot \(slots[key]!) is not where the search looks")
        }
        var absent = 0
        while absent < 10_000 {
            let key = UInt32(truncatingIfNeeded: rng.next())
            guard !keys.contains(key) else { continue }
            absent += 1
            #expect(Self.search(key, in: table) == nil)
        }
    }

    @Test func keysThatNeedMoreProbesThanTheProgramMakesAreRefused() throws {
        let probes = Int(SFC_PATH_PROBES)
        let fit = Self.keys(sharingHome: 77, count: probes)
        let slots = try PathSlots.layout(fit).get()
        #expect(Set(slots.values) == Set((0..<UInt32(probes)).map { 77 + $0 }))
        switch PathSlots.layout(Self.keys(sharingHome: 77, count: probes + 1)) {
        case .success: Issue.record("\(probes + 1) keys with one home slot were laid out")
        case .failure(let overflow): #expect(overflow.probes == probes + 1)
        }
    }

    /// Six chains whose first (SPI, SI) keys share a home slot, so five of
    /// them sit past it, and six whose path ends (SI 254) share another:
    /// their classified packets, what their functions send back (the end of
    /// the path: the SFF's second lookup), and the SFF's packets at SI 255
    /// (a direct hop: its first lookup), plus an SPI with the first home
    /// that no chain has: the XDP program gives what the reference gives,
    /// byte for byte.
    @Test func theProgramFindsEntriesPastTheirHomeSlot() throws {
        guard XDPTest.requireRoot() else { return }
        let home: UInt32 = 4242
        let spis = Self.keys(sharingHome: home, count: 7).map { $0 >> 8 }
        let endHome: UInt32 = 9191
        let ends = Self.keys(sharingHome: endHome, count: 6, si: 254, skipping: Set(spis.map { $0 << 8 | 254 })).map { $0 >> 8 }
        let chains = Array(spis.prefix(6)) + ends
        var text = """
        node:
          name: probes
        ports:
          - {name: p0, mac: "02:00:00:00:00:01", trusted: true}
          - {name: p1, mac: "02:00:00:00:00:02", trusted: true}
        functions:
          - name: vnf
            kind: nsh-aware
            instances:
              - {name: vnf-1, port: p1, mac: "02:00:00:00:10:01"}
        chains:

        """
        for (c, spi) in chains.enumerated() {
            text += "  - {name: c\(c), spi: \(spi), encapsulation: nsh, hops: [vnf], end: {port: p1, mac: \"02:00:00:00:20:01\"}}\n"
        }
        text += "rules:\n"
        for c in chains.indices {
            text += "  - {name: r\(c), priority: 10, chain: c\(c), protocol: udp, destination: 10.20.0.9/32, destination-port: \(5000 + c)}\n"
        }
        let (parsed, diagnostics) = ChainFile.parse(text: text, file: "probes.yaml")
        let config = try #require(parsed, "\(diagnostics.map(\.rendered))")
        let tables = ForwardingTables(config)
        let slots = try PathSlots.layout(tables.nshPaths.keys).get()
        let displaced = spis.prefix(6).filter { slots[$0 << 8 | 255] != home }
        #expect(displaced.count == 5, "slots \(spis.prefix(6).map { slots[$0 << 8 | 255]! })")
        #expect(ends.filter { slots[$0 << 8 | 254] != endHome }.count == 5, "slots \(ends.map { slots[$0 << 8 | 254]! })")

        let pipeline = Pipeline(tables: tables)
        var packets = DifferentialCorpus.valid(tables: tables, flowsPerRule: 2, seed: 7).map { ($0.frame, $0.ingress, $0.origin) }
        // The classifier's output, arriving at this SFF again: (SPI, 255).
        for packet in packets where packet.2.hasSuffix("flow 0") {
            var frame = Differential.reference(pipeline, packet.0, ingress: packet.1).output
            guard frame.count > 14 && frame[12] == 0x89 && frame[13] == 0x4F else { continue }
            for i in 0..<6 { frame[i] = config.ports[0].mac.octet(i) }
            packets.append((frame, 0, packet.2 + ", at SI 255"))
        }
        // An SPI no chain has, with the same home: the search walks the run.
        var absent = try #require(packets.last).0
        let spi = spis[6]
        absent[18] = UInt8(spi >> 16 & 0xFF); absent[19] = UInt8(spi >> 8 & 0xFF); absent[20] = UInt8(spi & 0xFF)
        packets.append((absent, 0, "SPI \(spi), no chain"))

        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        var directHops = 0, pathEnds = 0
        for (frame, ingress, origin) in packets {
            let ref = Differential.reference(pipeline, frame, ingress: ingress)
            let got = Differential.xdp(dataplane, frame, ingress: ingress)
            #expect(ref == got, "\(origin): reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
            if origin.hasSuffix("at SI 255") && ref.verdict == "forward" { directHops += 1 }
            if origin.contains("hop") && ref.verdict == "forward" { pathEnds += 1 }
        }
        #expect(directHops == 12 && pathEnds >= 12, "\(directHops) packets at SI 255 forwarded, \(pathEnds) path ends")
        #expect(Differential.reference(pipeline, absent, ingress: 0).reason == "nsh-no-path")
    }
}
