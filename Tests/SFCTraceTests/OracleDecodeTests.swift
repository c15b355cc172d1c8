// The decoder against two external dissectors:
//  (a) scapy builds NSH (MD1, MD2), VXLAN-GPE and SRH packets with its own
//      layers and says what they hold (Tests/oracles/scapy_sfc_packets.py);
//  (b) tshark reads a file our PcapWriter wrote; its fields must equal ours
//      and its expert info must show no error for these valid packets.
import Foundation
import Testing
import SFCCapture
import SFCCore
@testable import SFCTrace

@Suite struct OracleDecodeTests {
    // MARK: (a) scapy

    @Test func scapyPacketsDecodeToTheFieldsScapyReports() throws {
        guard ExternalTools.require(.scapy) else { return }
        let dir = ExternalTools.temporaryDirectory(prefix: "scapy-oracle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pcap = dir + "/scapy.pcap"
        let run = runProcess([ExternalTools.systemPython, ExternalTools.oracleScript("scapy_sfc_packets.py"), pcap])
        try #require(run.succeeded, "oracle script failed: \(run.stderr)")
        let cases = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let packets = try CaptureReader.read(path: pcap)
        try #require(packets.count == cases.count)
        #expect(cases.count >= 7)
        for (packet, expected) in zip(packets, cases) {
            let name = expected["name"] as? String ?? "?"
            let d = PacketDissector.dissect(packet.bytes, linkType: packet.linkType)
            #expect(packet.bytes.count == expected["length"] as? Int, "\(name)")
            #expect(d.violations == [], "\(name): \(d.violations)")
            for entry in expected["expect"] as? [[String: Any]] ?? [] {
                let layerName = entry["layer"] as? String ?? ""
                let nth = entry["nth"] as? Int ?? 0
                guard let layer = d.layer(layerName, nth) else {
                    Issue.record("\(name): no \(layerName) layer #\(nth) in \(d.layerNames)")
                    continue
                }
                for (field, want) in entry["fields"] as? [String: Any] ?? [:] {
                    guard let got = layer[field] else {
                        Issue.record("\(name): \(layerName)#\(nth) has no field \(field)")
                        continue
                    }
                    #expect(Self.matches(got, want), "\(name): \(layerName)#\(nth).\(field) = \(got), scapy says \(want)")
                }
            }
        }
    }

    /// Our field value against a JSON value from the oracle (objects: every key the oracle names must match).
    static func matches(_ ours: FieldValue, _ theirs: Any) -> Bool {
        switch ours {
        // JSONSerialization gives NSNumber for numbers and booleans alike.
        case let .int(i): return (theirs as? NSNumber)?.intValue == i
        case let .bool(b): return (theirs as? NSNumber)?.boolValue == b
        case let .string(s): return (theirs as? String) == s
        case let .list(items):
            guard let other = theirs as? [Any], other.count == items.count else { return false }
            return zip(items, other).allSatisfy { matches($0, $1) }
        case let .object(fields):
            guard let other = theirs as? [String: Any] else { return false }
            return other.allSatisfy { key, value in
                fields.first { $0.name == key }.map { matches($0.value, value) } ?? false
            }
        }
    }

    // MARK: (b) tshark

    /// tshark field -> (our layer names, our field). Lists (segments) are flattened.
    static let tsharkFields: [(String, [String], String)] = [
        ("nsh.spi", ["nsh"], "spi"), ("nsh.si", ["nsh"], "si"), ("nsh.ttl", ["nsh"], "ttl"),
        ("nsh.mdtype", ["nsh"], "md_type"), ("nsh.nextproto", ["nsh"], "next_protocol"),
        ("vxlan.vni", ["vxlan-gpe"], "vni"), ("vxlan.next_proto", ["vxlan-gpe"], "next_protocol"),
        ("ipv6.routing.segleft", ["srh", "routing"], "segments_left"),
        ("ipv6.routing.srh.last_entry", ["srh"], "last_entry"), ("ipv6.routing.srh.addr", ["srh"], "segments"),
        ("ip.src", ["ipv4"], "src"), ("ip.dst", ["ipv4"], "dst"), ("ip.ttl", ["ipv4"], "ttl"),
        ("ipv6.src", ["ipv6"], "src"), ("ipv6.dst", ["ipv6"], "dst"),
        ("udp.srcport", ["udp"], "sport"), ("udp.dstport", ["udp"], "dport"),
        ("tcp.srcport", ["tcp"], "sport"), ("tcp.dstport", ["tcp"], "dport"),
        ("icmp.type", ["icmp"], "type"), ("icmpv6.type", ["icmpv6"], "type"), ("gre.proto", ["gre"], "proto"),
    ]

    /// Valid packets of every kind the decoder handles.
    static var validFrames: [[UInt8]] {
        let sids = ["fc00:3::e", "fc00:2::e", "fc00:1::e"]
        return [
            Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 100, si: 254, next: 1, context: [1, 2, 3, 4])
                + Build.ipv4(src: "10.1.0.5", dst: "10.20.0.9", proto: 6, payload: Build.tcp(sport: 40000, dport: 104))),
            Build.ethernet(type: 0x894F, payload: Build.nshMD2(spi: 0xABCDEF, si: 17, ttl: 12, next: 2,
                    tlvs: Build.tlv(class: 0x0101, type: 1, value: [1, 2, 3, 4]) + Build.tlv(class: 0, type: 2, value: [9, 9, 9, 9, 9, 9, 9, 9]))
                + Build.ipv6(nextHeader: 17, payload: Build.udp(sport: 5000, dport: 53))),
            Build.ethernet(type: 0x0800, payload: Build.ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: 17,
                payload: Build.udp(sport: 50000, dport: 4790, payload: Build.vxlanGPE(vni: 5000, next: 4)
                    + Build.nshMD1(spi: 7, si: 3, ttl: 5, next: 3)
                    + Build.ethernet(type: 0x0800, payload: Build.ipv4(src: "10.0.0.1", dst: "10.0.0.2", proto: 1, payload: Build.icmpEcho()))))),
            Build.ethernet(type: 0x86DD, payload: Build.ipv6(src: "2001:db8::a", dst: sids[1], nextHeader: 43,
                payload: Build.srh(nextHeader: 41, segments: sids, segmentsLeft: 1)
                    + Build.ipv6(src: "2001:db8:1::5", dst: "2001:db8:2::9", nextHeader: 17, payload: Build.udp(sport: 1234, dport: 53)))),
            Build.ethernet(type: 0x86DD, payload: Build.ipv6(src: "2001:db8::a", dst: "fc00:1::e", nextHeader: 43,
                payload: Build.srh(nextHeader: 4, segments: ["fc00:3::e", "fc00:2::e"], segmentsLeft: 2)
                    + Build.ipv4(src: "10.1.0.5", dst: "10.20.0.9", proto: 6, payload: Build.tcp(sport: 40001, dport: 443)))),
            Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 1, si: 9, next: 4) + Build.nshMD1(spi: 2, si: 8, next: 1)
                + Build.ipv4(proto: 17, payload: Build.udp(sport: 7, dport: 9))),
            Build.ethernet(type: 0x0800, payload: Build.ipv4(src: "198.51.100.1", dst: "198.51.100.2", proto: 47,
                payload: [0, 0, 0x89, 0x4F] + Build.nshMD1(spi: 77, si: 200, next: 1)
                    + Build.ipv4(src: "10.7.0.1", dst: "10.7.0.2", proto: 6, payload: Build.tcp(sport: 3333, dport: 80)))),
        ]
    }

    @Test func tsharkAgreesWithOurFieldsOnAFileOurWriterWrote() throws {
        guard ExternalTools.require(.tshark) else { return }
        let dir = ExternalTools.temporaryDirectory(prefix: "tshark-oracle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/ours.pcap"
        let frames = Self.validFrames
        try PcapWriter.write(path: file, packets: frames.enumerated().map {
            CapturedPacket(timestampNanoseconds: 1_700_000_000_000_000_000 + UInt64($0.offset) * 1_000, bytes: $0.element)
        })
        var argv = ["tshark", "-n", "-r", file, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for (field, _, _) in Self.tsharkFields { argv += ["-e", field] }
        let run = runProcess(argv)
        try #require(run.succeeded, "tshark failed: \(run.stderr)")
        let rows = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        try #require(rows.count == frames.count, "tshark printed \(rows.count) rows for \(frames.count) packets")
        for (index, (frame, row)) in zip(frames, rows).enumerated() {
            let d = PacketDissector.dissect(frame)
            #expect(d.violations == [], "packet \(index + 1): \(d.violations)")
            let theirs = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            for (column, (field, layers, ours)) in Self.tsharkFields.enumerated() {
                let want = column < theirs.count ? Self.normalise(theirs[column]) : ""
                let got = Self.ourValues(d, layers: layers, field: ours)
                #expect(got == want, "packet \(index + 1) \(field): ours \(got), tshark \(want)")
            }
        }
    }

    @Test func tsharkExpertInfoShowsNoErrorOnValidPackets() throws {
        guard ExternalTools.require(.tshark) else { return }
        let dir = ExternalTools.temporaryDirectory(prefix: "tshark-expert")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/ours.pcap"
        try PcapWriter.write(path: file, packets: Self.validFrames.map { CapturedPacket(timestampNanoseconds: 0, bytes: $0) })
        let run = runProcess(["tshark", "-n", "-r", file, "-q", "-z", "expert"])
        try #require(run.succeeded, "tshark failed: \(run.stderr)")
        #expect(!run.stdout.contains("Errors ("), "\(run.stdout)")
        #expect(!run.stdout.contains("Malformed"), "\(run.stdout)")
    }

    /// And the converse: a packet we flag as malformed, tshark flags too.
    @Test func tsharkAlsoFlagsABadNSHLength() throws {
        guard ExternalTools.require(.tshark) else { return }
        let dir = ExternalTools.temporaryDirectory(prefix: "tshark-expert")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/bad.pcap"
        let frame = Build.ethernet(type: 0x894F, payload: Build.nshMD1(spi: 1, si: 1, next: 1, lengthWords: 4)
            + Build.ipv4(proto: 17, payload: Build.udp(sport: 1, dport: 2)))
        #expect(PacketDissector.dissect(frame).findings.contains { $0.reason == .nshBadLength })
        try PcapWriter.write(path: file, packets: [CapturedPacket(timestampNanoseconds: 0, bytes: frame)])
        let run = runProcess(["tshark", "-n", "-r", file, "-q", "-z", "expert"])
        try #require(run.succeeded, "tshark failed: \(run.stderr)")
        #expect(run.stdout.contains("Errors (") || run.stdout.contains("Malformed") || run.stdout.contains("Warns ("), "\(run.stdout)")
    }

    /// tshark prints some integer fields in hex (nsh.ttl as 0x003f): make them decimal.
    static func normalise(_ cell: String) -> String {
        cell.split(separator: ",", omittingEmptySubsequences: false).map { item -> String in
            if item.hasPrefix("0x"), let v = Int(item.dropFirst(2), radix: 16) { return String(v) }
            return String(item)
        }.joined(separator: ",")
    }

    /// Our values of `field` across all layers named in `layers`, outermost first, comma-joined like tshark.
    static func ourValues(_ d: Dissection, layers: [String], field: String) -> String {
        var out: [String] = []
        for layer in d.layers where layers.contains(layer.name) {
            guard let value = layer[field] else { continue }
            switch value {
            case let .int(i): out.append(String(i))
            case let .string(s): out.append(s)
            case let .bool(b): out.append(b ? "1" : "0")
            case let .list(items):
                for item in items { if case let .string(s) = item { out.append(s) } else if case let .int(i) = item { out.append(String(i)) } }
            case .object: break
            }
        }
        return out.joined(separator: ",")
    }
}
