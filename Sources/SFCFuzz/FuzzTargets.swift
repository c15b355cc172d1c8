// What each fuzz target does with one input, and the invariants it holds
// (issue 15 part 1). The executables in Sources/Fuzz* call these from
// libFuzzer (`make fuzz`, built with -sanitize=fuzzer,address) or, in a
// normal build, replay files and directories (`make test` replays the
// committed seed corpora in Tests/Fuzz/<target>/). A broken invariant is a
// crash, with what broke printed first: libFuzzer then keeps the input.
import Foundation
import SFCCapture
import SFCConfig
import SFCCore
import SFCTrace

public enum FuzzTargets {
    /// The fuzz targets by name (the directory of their seed corpus).
    public static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "chain-file": chainFile, "pipeline": pipeline, "capture": capture, "dissect": dissect,
        "control-api": controlAPI, "steer-rule": steerRule, "xdp-diff": xdpDiff,
    ]

    static func violated(_ what: String, _ input: [UInt8]) -> Never {
        FileHandle.standardError.write(Data("fuzz invariant broken: \(what) (input \(input.count) bytes)\n".utf8))
        fatalError(what)
    }

    // MARK: chain files

    /// YAML text in: diagnostics (every one positioned inside the text) or a
    /// compiled configuration whose tables build.
    public static func chainFile(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        let (config, diagnostics) = ChainFile.parse(text: text, file: "fuzz.yaml")
        // YAML breaks lines at CR, LF, CRLF and the Unicode breaks: count
        // them all (Character.isNewline, an upper bound) as an editor would.
        let lines = text.reduce(1) { $1.isNewline ? $0 + 1 : $0 }
        for d in diagnostics where d.line < 0 || d.line > lines + 1 {
            violated("diagnostic at line \(d.line) of a \(lines)-line text: \(d.rendered)", data)
        }
        if let config {
            if diagnostics.contains(where: { $0.severity == .error }) { violated("a config compiled despite errors", data) }
            _ = ForwardingTables(config)
        } else if !diagnostics.contains(where: { $0.severity == .error }) {
            violated("no config and no error", data)
        }
    }

    // MARK: the reference pipeline

    /// The chain files the pipeline and xdp-diff targets run, in the order
    /// an input's byte 0 names them. Append only: the committed seeds
    /// (Tests/Fuzz/pipeline, xdp-diff) start with the index of the file they
    /// were made for, so inserting or reordering would send them to another
    /// file. SFCFuzzTests checks that every Chains/*.yaml is listed.
    public static let chainFileNames = [
        "Chains/building-management.yaml", "Chains/failover-lab.yaml", "Chains/hospital-edge.yaml",
        "Chains/hospital-lab.yaml", "Chains/multi-instance.yaml", "Chains/scale-lab.yaml", "Chains/soak-lab.yaml",
        "Chains/srv6-mixed.yaml", "Tests/Fixtures/configs/reference.yaml", "Tests/Fixtures/configs/hmac.yaml",
    ]

    /// chainFileNames, compiled once. A file that no longer compiles stops
    /// the target (rather than shifting every later index).
    static let chainFiles: [(name: String, tables: ForwardingTables)] = chainFileNames.map { name in
        guard let config = ChainFile.load(path: repositoryRoot + "/" + name).config else {
            fatalError("fuzz: \(name) does not compile (FuzzTargets.chainFileNames)")
        }
        return (name, ForwardingTables(config))
    }
    static let configs: [ForwardingTables] = chainFiles.map(\.tables)
    nonisolated(unsafe) static var pipelines: [Pipeline] = configs.map { Pipeline(tables: $0) }

    static var repositoryRoot: String {
        if let root = ProcessInfo.processInfo.environment["SFC_ROOT"] { return root }
        // Sources/SFCFuzz/FuzzTargets.swift -> the repository.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Byte 0 picks a shipped chain file, byte 1 the ingress port (any
    /// value, valid or not); the rest is the frame. Exactly one verdict; a
    /// drop counted under exactly one reason, nothing else counted as sent;
    /// a forwarded frame leaves by a port of the file, within the port's
    /// MTU, its IP and NSH length fields inside it. (Its source MAC is not
    /// always the port's: NSH with an Ethernet payload leaves as it came.)
    public static func pipeline(_ data: [UInt8]) {
        guard data.count >= 2, !pipelines.isEmpty else { return }
        let p = pipelines[Int(data[0]) % pipelines.count]
        let ingress = Int(Int8(bitPattern: data[1]))
        let frame = Array(data[2...])
        let before = p.counters
        let (meta, output) = p.process(frame, ingress: ingress)
        let after = p.counters
        let dropped = after.drops.reduce(0, +) - before.drops.reduce(0, +)
        let sent = after.txPackets.reduce(0, +) - before.txPackets.reduce(0, +)
        switch meta.verdict {
        case .pending:
            violated("no verdict", data)
        case .drop:
            guard let reason = meta.dropReason else { violated("a drop without a reason", data) }
            if dropped != 1 { violated("a drop (\(reason.name)) counted \(dropped) times", data) }
            if after.drops[Int(reason.rawValue)] != before.drops[Int(reason.rawValue)] + 1 {
                violated("drop \(reason.name) counted under another reason", data)
            }
            if sent != 0 { violated("a dropped packet counted as sent", data) }
        case .consumed:
            if dropped != 0 || sent != 0 { violated("a consumed packet counted as dropped or sent", data) }
        case .forward:
            if dropped != 0 { violated("a forwarded packet also counted as dropped", data) }
            if sent != 1 { violated("a forwarded packet counted as sent \(sent) times", data) }
            checkForwarded(p.tables, Int(meta.egressPort), output, data, opaque: carriesEthernetInNSH(frame))
        }
    }

    /// NSH (bare, or in VXLAN-GPE) whose next protocol is Ethernet: at the
    /// end of its path the inner frame leaves as it came, whatever it holds.
    static func carriesEthernetInNSH(_ f: [UInt8]) -> Bool {
        guard f.count >= 14 else { return false }
        var l2 = 14, type = Int(f[12]) << 8 | Int(f[13])
        if (type == 0x8100 || type == 0x88A8) && f.count >= 18 { type = Int(f[16]) << 8 | Int(f[17]); l2 = 18 }
        if type == 0x894F { return f.count > l2 + 3 && f[l2 + 3] == 3 }
        // IPv4 / UDP 4790 / VXLAN-GPE / NSH.
        guard type == 0x0800, f.count > l2 + 20 else { return false }
        let nsh = l2 + Int(f[l2] & 0x0F) * 4 + 8 + 8
        return f[l2 + 9] == 17 && f.count > nsh + 3 && f[nsh + 3] == 3
    }

    static func checkForwarded(_ tables: ForwardingTables, _ egress: Int, _ out: [UInt8], _ data: [UInt8], opaque: Bool) {
        guard egress >= 0 && egress < tables.ports.count else { violated("forwarded to port \(egress)", data) }
        guard out.count >= 14 else { violated("a forwarded frame of \(out.count) bytes", data) }
        var l2 = 14
        var type = Int(out[12]) << 8 | Int(out[13])
        if type == 0x8100 || type == 0x88A8 {
            guard out.count >= 18 else { violated("a tagged frame without its tag", data) }
            type = Int(out[16]) << 8 | Int(out[17]); l2 = 18
        }
        let l3 = out.count - l2
        if l3 > tables.ports[egress].mtu { violated("\(l3) bytes out of a port with MTU \(tables.ports[egress].mtu)", data) }
        if opaque { return }
        switch type {
        case 0x0800:
            guard l3 >= 20, out[l2] >> 4 == 4 else { violated("IPv4 ethertype without an IPv4 header", data) }
            let total = Int(out[l2 + 2]) << 8 | Int(out[l2 + 3])
            if total > l3 || total < Int(out[l2] & 0x0F) * 4 { violated("IPv4 total length \(total) of \(l3) bytes", data) }
        case 0x86DD:
            guard l3 >= 40, out[l2] >> 4 == 6 else { violated("IPv6 ethertype without an IPv6 header", data) }
            let payload = Int(out[l2 + 4]) << 8 | Int(out[l2 + 5])
            if payload + 40 > l3 { violated("IPv6 payload length \(payload) of \(l3) bytes", data) }
        case 0x894F:
            guard l3 >= 8 else { violated("NSH ethertype without an NSH base header", data) }
            let length = Int(out[l2 + 1] & 0x3F) * 4
            if length > l3 { violated("NSH length \(length) of \(l3) bytes", data) }
        default:
            break
        }
    }

    // MARK: captures and the dissector

    /// pcap / pcapng bytes: packets or a CaptureError, then each packet
    /// through the dissector.
    public static func capture(_ data: [UInt8]) {
        guard let packets = try? CaptureReader.read(bytes: data) else { return }
        for packet in packets.prefix(64) { dissectChecked(packet.bytes, linkType: PacketDissector.linkTypeEthernet, data) }
    }

    /// Byte 0 picks the link type (Ethernet, raw, IPv4, IPv6); the rest is
    /// the packet.
    public static func dissect(_ data: [UInt8]) {
        guard !data.isEmpty else { return }
        let types = [PacketDissector.linkTypeEthernet, PacketDissector.linkTypeRaw, PacketDissector.linkTypeIPv4,
                     PacketDissector.linkTypeIPv6]
        dissectChecked(Array(data[1...]), linkType: types[Int(data[0]) % types.count], data)
    }

    static func dissectChecked(_ bytes: [UInt8], linkType: UInt32, _ data: [UInt8]) {
        let d = PacketDissector.dissect(bytes, linkType: linkType)
        if d.layers.count > PacketDissector.maximumLayers + 1 { violated("\(d.layers.count) layers", data) }
        _ = d.violations
    }

    // MARK: driving

    /// Every file under `paths` (files or directories) through `target`;
    /// the number of inputs run.
    public static func replay(_ paths: [String], _ target: ([UInt8]) -> Void) -> Int {
        var n = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files = isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target([UInt8](data))
                n += 1
            }
        }
        return n
    }
}
