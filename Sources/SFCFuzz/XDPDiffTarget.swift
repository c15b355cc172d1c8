// The differential target (issue 15): an input, read as the pipeline
// target reads it (byte 0 the chain file, byte 1 the ingress port, the rest
// the frame; so the pipeline corpus replays here), goes through the
// reference pipeline and through the XDP program with BPF_PROG_RUN, and any
// difference in verdict, egress port, drop reason, output bytes or counters
// (SFCXDP's Differential, the differential tests' own equality) is a crash
// that names it.
// Every input meets both dataplanes as freshly loaded, so a crash replays
// from its input alone: a new reference Pipeline per input (its End.AD
// caches and NSH proxy flows are its own), its affinity table (1 MiB,
// PipelineShared) new after an input that counted an affinity event (only
// those write it); on the XDP side the same state emptied in the maps; and
// counters compared as what this one input added.
// Each chain file's program is loaded once per process, on first use;
// needs root and the object `make bpf` builds (SFC_BPF_OBJECT, else where
// the daemon looks: ObjectLocator). Chain files the XDP loader refuses
// (TableLimits) are skipped: xdpDiffChainFiles names the rest.
import Foundation
import SFCCore
import SFCXDP

extension FuzzTargets {
    final class XDPSide {
        let dataplane: XDPDataplane
        /// The program's counters after the last input.
        var counters: Counters
        /// The reference's instance states, and its affinity table while no input wrote it.
        let live: LiveInstances
        var shared = PipelineShared()
        init(_ dataplane: XDPDataplane, tables: ForwardingTables) throws {
            self.dataplane = dataplane
            counters = try dataplane.counters()
            live = LiveInstances(tables: tables)
        }
    }

    /// Per chain file (FuzzTargets.chainFiles' order): its loaded program,
    /// or why it has none.
    nonisolated(unsafe) static var xdpSides: [Int: Result<XDPSide, XDPError>] = [:]

    /// Why this process cannot run the target, or nil.
    public static let xdpDiffUnavailable: String? = {
        if getuid() != 0 { return "it loads the XDP program (BPF_PROG_RUN) and needs root" }
        do { _ = try ObjectLocator.locate(explicit: xdpObject) } catch { return "\(error)" }
        return nil
    }()

    static var xdpObject: String? { ProcessInfo.processInfo.environment["SFC_BPF_OBJECT"] }

    static func xdpSide(_ index: Int) -> XDPSide? {
        if let known = xdpSides[index] { return try? known.get() }
        if let why = xdpDiffUnavailable { violated("the xdp-diff target cannot run: \(why)", []) }
        let result: Result<XDPSide, XDPError>
        do {
            let tables = chainFiles[index].tables
            result = .success(try XDPSide(XDPDataplane(config: tables.config, options: .init(mode: .test, objectPath: xdpObject)), tables: tables))
        } catch let error as XDPError where error.kind == .unsupported || error.kind == .configTooLarge {
            result = .failure(error)
        } catch {
            violated("\(chainFiles[index].name): the XDP program does not load: \(error)", [])
        }
        xdpSides[index] = result
        return try? result.get()
    }

    /// The chain files the target runs, and those the XDP loader refuses with why.
    public static func xdpDiffChainFiles() -> (accepted: [String], refused: [String]) {
        var accepted: [String] = [], refused: [String] = []
        for (i, file) in chainFiles.enumerated() {
            if xdpSide(i) != nil { accepted.append(file.name) } else if case .failure(let e)? = xdpSides[i] { refused.append("\(file.name): \(e)") }
        }
        return (accepted, refused)
    }

    public static func xdpDiff(_ data: [UInt8]) {
        guard data.count >= 2, !chainFiles.isEmpty else { return }
        let index = Int(data[0]) % chainFiles.count
        guard let side = xdpSide(index) else { return }
        let (name, tables) = chainFiles[index]
        let ingress = Int(Int8(bitPattern: data[1]))
        let frame = Array(data[2...])
        let pipeline = Pipeline(tables: tables, live: side.live, shared: side.shared)
        let ref = Differential.reference(pipeline, frame, ingress: ingress)
        // BPF_PROG_RUN refuses frames below an Ethernet header (no driver
        // hands XDP one): the reference must drop them (truncated, or
        // untrusted-ingress first on a port that is no port).
        if frame.count < 14 {
            if ref.verdict != "drop" { violated("\(name): a \(frame.count)-byte runt: reference \(ref)", data) }
            return
        }
        let got = Differential.xdp(side.dataplane, frame, ingress: ingress)
        if ref != got {
            violated("\(name) port \(ingress): XDP differs from the reference: reference \(ref), XDP \(got)"
                     + Differential.firstDifference(ref.output, got.output), data)
        }
        do {
            let now = try side.dataplane.counters()
            let counted = Differential.delta(now, since: side.counters)
            side.counters = now
            let expected = pipeline.counters
            if counted != expected {
                violated("\(name) port \(ingress): \(ref), but the counters differ:\n"
                         + Differential.counterDifference(expected, counted), data)
            }
            let affinity: [NodeEvent] = [.affinityNew, .affinityExpired, .affinityEvicted, .affinityMoved]
            let wrote = affinity.contains { counted.events($0) != 0 }
            try side.dataplane.clearPacketState(affinity: wrote)
            if wrote { side.shared = PipelineShared() }
        } catch {
            violated("\(name): reading or resetting the XDP maps failed: \(error)", data)
        }
    }
}
