// The (SPI, SI) table of the XDP program is an array the loader lays out
// (Sources/SFCXDP/SlotLayout.swift) and the program searches by linear
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

@Suite struct SlotLayoutTests {
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
        let slots = try SlotLayout.paths(Array(keys)).get().mapValues { UInt32($0) }
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
        let slots = try SlotLayout.paths(fit).get()
        #expect(Set(slots.values) == Set((0..<probes).map { 77 + $0 }))
        switch SlotLayout.paths(Self.keys(sharingHome: 77, count: probes + 1)) {
        case .success: Issue.record("\(probes + 1) keys with one home slot were laid out")
        case .failure(let overflow): #expect(overflow.probes == probes + 1)
        }
        let sids = Self.sids(sharingHome: 300, count: Int(SFC_SID_PROBES) + 1)
        #expect(throws: Never.self) { try SlotLayout.sids(Array(sids.dropLast())).get() }
        #expect(throws: SlotLayout.Overflow.self) { try SlotLayout.sids(sids).get() }
    }

    static func sidHome(_ address: IPv6Address) -> Int {
        var key = sfc_sid_key()
        CBytes.copy(CBytes.ipv6(address), into: &key.addr)
        return Int(sfc_sid_home(&key))
    }

    /// `count` addresses in fc00:1::/48 whose probe sequences start at `home`.
    static func sids(sharingHome home: Int, count: Int) -> [IPv6Address] {
        var out: [IPv6Address] = []
        var low: UInt64 = 1
        while out.count < count {
            let address = IPv6Address(hi: 0xFC00_0001_0000_0000, lo: low)
            if sidHome(address) == home { out.append(address) }
            low += 1
        }
        return out
    }

    @Test func aFullSIDTableIsFoundWithinTheProbesTheProgramMakes() throws {
        var rng = DifferentialCorpus.Random(seed: 0x51D)
        var addresses = Set<IPv6Address>()
        while addresses.count < Int(SFC_MAX_SIDS) { addresses.insert(IPv6Address(hi: rng.next(), lo: rng.next())) }
        let slots = try SlotLayout.sids(Array(addresses)).get()
        let table = Dictionary(uniqueKeysWithValues: slots.map { ($0.value, $0.key) })
        #expect(table.count == addresses.count, "two SIDs share a slot")
        for address in addresses {
            var found: Int? = nil
            for i in 0..<Int(SFC_SID_PROBES) {
                let slot = (Self.sidHome(address) + i) & Int(SFC_SID_SLOTS - 1)
                guard let resident = table[slot] else { break }
                if resident == address { found = slot; break }
            }
            #expect(found == slots[address], "\(address) at slot \(slots[address]!) is not where the search looks")
        }
    }

    /// Six End SIDs sharing a home slot (five of them past it): for each
    /// pair, a packet whose SRH visits both (End twice in one pass: the
    /// second SID found by the output loop), and one to an address of the
    /// locator with the same home that is no SID. The XDP program gives what
    /// the reference gives, byte for byte.
    @Test func theProgramFindsSIDsPastTheirHomeSlot() throws {
        guard XDPTest.requireRoot() else { return }
        let home = 1234
        let addresses = Self.sids(sharingHome: home, count: 7)
        let sids = Array(addresses.prefix(6))
        var text = """
        node:
          name: sids
          srv6-source: 2001:db8:100::1
          locator: fc00:1::/48
        ports:
          - {name: p0, mac: "02:00:00:00:00:01", trusted: true}
          - {name: p1, mac: "02:00:00:00:00:02", trusted: true}
        routes:
          - {prefix: "fc00:2::/48", port: p1, mac: "02:00:00:00:30:01"}
        functions:
          - name: fa
            kind: sr-aware
            instances:
              - {name: fa-1, sid: "fc00:2::f1"}
        chains:
          - {name: sr, spi: 1, encapsulation: srv6, hops: [fa], end: {sid: "fc00:2::d"}}
        rules:
          - {name: r, priority: 10, chain: sr, protocol: udp, destination: 10.20.0.9/32, destination-port: 5000}
        sids:

        """
        for sid in sids { text += "  - {sid: \"\(sid)\", behavior: End}\n" }
        let (parsed, diagnostics) = ChainFile.parse(text: text, file: "sids.yaml")
        let config = try #require(parsed, "\(diagnostics.map(\.rendered))")
        let tables = ForwardingTables(config)
        let slots = try SlotLayout.sids(Array(tables.localSIDs.keys)).get()
        #expect(sids.filter { slots[$0] != home }.count == 5, "slots \(sids.map { slots[$0]! })")

        let final = IPv6Address("fc00:2::1")!
        func frame(_ segments: [IPv6Address]) -> [UInt8] {
            // Segment List[0] is the last segment; the DA is the active one.
            let srhLength = 8 + 16 * segments.count
            var f = (0..<6).map { config.ports[0].mac.octet($0) } + [0x02, 0, 0, 0x2d, 0, 1, 0x86, 0xDD]
            f += [0x60, 0, 0, 0, 0, UInt8(srhLength + 8), 43, 64]
            f += (0..<16).map { IPv6Address("2001:db8:9::1")!.octet($0) }
            f += (0..<16).map { segments.last!.octet($0) }
            f += [59, UInt8(2 * segments.count), 4, UInt8(segments.count - 1), UInt8(segments.count - 1), 0, 0, 0]
            for s in segments { f += (0..<16).map { s.octet($0) } }
            return f + [UInt8](repeating: 0xAB, count: 8)
        }
        var packets: [([UInt8], String)] = []
        for a in sids { for b in sids where b != a { packets.append((frame([final, b, a]), "End \(a), then End \(b)")) } }
        packets.append((frame([final, addresses[6]]), "to \(addresses[6]), no SID"))

        let pipeline = Pipeline(tables: tables)
        let dataplane = try XDPDataplane(config: config, options: .init(mode: .test, objectPath: try XDPTest.objectPath()))
        var forwarded = 0
        for (frame, origin) in packets {
            let ref = Differential.reference(pipeline, frame, ingress: 0)
            let got = Differential.xdp(dataplane, frame, ingress: 0)
            #expect(ref == got, "\(origin): reference \(ref), XDP \(got)\(Differential.firstDifference(ref.output, got.output))")
            if ref.verdict == "forward" { forwarded += 1 }
        }
        #expect(forwarded == 30, "\(forwarded) of the 30 packets through two SIDs forwarded")
        #expect(Differential.reference(pipeline, packets.last!.0, ingress: 0).reason == "srv6-unknown-sid")
    }

    /// One NSH chain per SPI, each through one nsh-aware function over
    /// Ethernet, with a rule of its own.
    static func nshConfig(spis chains: [UInt32]) throws -> CompiledConfig {
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
        return try #require(parsed, "\(diagnostics.map(\.rendered))")
    }

    /// A chain file whose (SPI, SI) keys need more probes than the program
    /// makes is refused before anything is written, naming the limit.
    @Test func aPathTableTheProgramCannotSearchIsRefusedWithItsLimit() throws {
        let spis = Self.keys(sharingHome: 999, count: Int(SFC_PATH_PROBES) + 1).map { $0 >> 8 }
        let tables = ForwardingTables(try Self.nshConfig(spis: spis))
        do {
            _ = try TableImage(tables: tables, ifindexes: [])
            Issue.record("\(spis.count) chains whose first keys share a home slot were accepted")
        } catch let error as XDPError {
            #expect(error.kind == .configTooLarge && error.message.contains("SFC_PATH_PROBES"), "\(error)")
        }
        _ = try TableImage(tables: ForwardingTables(try Self.nshConfig(spis: Array(spis.dropLast()))), ifindexes: [])
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
        let config = try Self.nshConfig(spis: chains)
        let tables = ForwardingTables(config)
        let slots = try SlotLayout.paths(tables.nshPaths.keys).get()
        let displaced = spis.prefix(6).filter { slots[$0 << 8 | 255] != Int(home) }
        #expect(displaced.count == 5, "slots \(spis.prefix(6).map { slots[$0 << 8 | 255]! })")
        #expect(ends.filter { slots[$0 << 8 | 254] != Int(endHome) }.count == 5, "slots \(ends.map { slots[$0 << 8 | 254]! })")

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
