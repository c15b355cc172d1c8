// One packet through the loaded program with BPF_PROG_RUN. The frame is
// preceded by 16 bytes of XDP metadata (struct sfc_test_meta) naming the
// ingress port; the program writes back the egress port and the drop
// reason there, so a test sees what live traffic only shows in counters.
import CLibBPF
import SFCCore

/// The XDP action a run returned.
public enum XDPAction: UInt32, Sendable, CustomStringConvertible {
    case aborted = 0, drop = 1, pass = 2, tx = 3, redirect = 4
    public var description: String {
        switch self {
        case .aborted: return "XDP_ABORTED"
        case .drop: return "XDP_DROP"
        case .pass: return "XDP_PASS"
        case .tx: return "XDP_TX"
        case .redirect: return "XDP_REDIRECT"
        }
    }
}

public struct XDPRunResult: Sendable, Equatable {
    public var action: XDPAction?
    public var rawAction: UInt32
    /// From the metadata: the port redirected to, nil for SFC_NONE (and
    /// for a consumed packet).
    public var egressPort: Int?
    /// The program consumed the packet (a liveness probe back: recorded,
    /// never forwarded, not a drop).
    public var consumed = false
    public var reasonCode: UInt32
    public var dropReason: DropReason? { reasonCode == 0 || reasonCode > 255 ? nil : DropReason(rawValue: UInt8(reasonCode)) }
    public var output: [UInt8]
    /// The metadata magic came back intact (the program did not move data_meta).
    public var metadataIntact: Bool

    /// In the reference pipeline's terms.
    public enum Outcome: Sendable, Equatable {
        case forward(port: Int)
        case drop(DropReason?)
        /// XDP_PASS without a reason: handed to the kernel stack.
        case passed
        /// The reference's `consumed` (a probe back).
        case consumed
        case aborted
    }

    /// XDP_REDIRECT (and XDP_TX, which leaves by the ingress port) forward;
    /// XDP_DROP drops; XDP_PASS with a reason (not-for-us,
    /// unsupported-ethertype go to the kernel stack) is the reference's drop.
    public func outcome(ingress: Int) -> Outcome {
        if consumed && action == .drop && reasonCode == 0 { return .consumed }
        switch action {
        case .redirect: return egressPort.map { .forward(port: $0) } ?? .aborted
        case .tx: return .forward(port: egressPort ?? ingress)
        case .drop: return .drop(dropReason)
        case .pass: return reasonCode == 0 ? .passed : .drop(dropReason)
        case .aborted, nil: return .aborted
        }
    }
}

/// BPF_PROG_RUN on one program fd.
struct ProgramRunner {
    let programFD: Int32
    static let metaSize = MemoryLayout<sfc_test_meta>.size

    /// BPF_PROG_RUN refuses XDP frames shorter than an Ethernet header.
    static let minimumFrame = 14

    func run(_ frame: [UInt8], ingress: Int) throws -> XDPRunResult {
        guard frame.count >= Self.minimumFrame else {
            throw XDPError(.frameTooShort, "a frame of \(frame.count) bytes is shorter than an Ethernet header: "
                           + "the kernel's BPF_PROG_RUN refuses it (and no driver passes such a runt to XDP)")
        }
        let input = Self.input(frame, ingress: ingress)
        var output = [UInt8](repeating: 0, count: max(frame.count + 512, 1024))
        var ctxIn = xdp_md()
        ctxIn.data = UInt32(Self.metaSize)
        ctxIn.data_end = UInt32(input.count)
        var ctxOut = xdp_md()
        var outSize = UInt32(output.count)
        var retval: UInt32 = 0, duration: UInt32 = 0
        let err = input.withUnsafeBytes { i in
            output.withUnsafeMutableBytes { o in
                sfc_bpf_prog_run(programFD, i.baseAddress, UInt32(i.count), o.baseAddress, &outSize,
                                 &ctxIn, UInt32(MemoryLayout<xdp_md>.size), &ctxOut, UInt32(MemoryLayout<xdp_md>.size),
                                 1, &retval, &duration)
            }
        }
        guard err == 0 else {
            throw XDPError(.run, "BPF_PROG_RUN failed: \(errnoText(err)) (frame of \(frame.count) bytes on port \(ingress))")
        }
        let start = Int(ctxOut.data), end = min(Int(outSize), output.count)
        let metaStart = start - Self.metaSize
        var back = sfc_test_meta()
        if metaStart >= 0 && start <= end {
            withUnsafeMutableBytes(of: &back) { $0.copyBytes(from: output[metaStart..<start]) }
        }
        let intact = back.magic == UInt32(SFC_TEST_MAGIC)
        let consumed = intact && back.egress_port == UInt32(SFC_CONSUMED)
        var result = XDPRunResult(action: XDPAction(rawValue: retval), rawAction: retval,
                                  egressPort: intact && back.egress_port != UInt32(SFC_NONE) && !consumed ? Int(back.egress_port) : nil,
                                  reasonCode: intact ? back.reason : 0,
                                  output: start <= end ? Array(output[start..<end]) : [], metadataIntact: intact)
        result.consumed = consumed
        return result
    }

    /// The test metadata naming the ingress port, then the frame.
    static func input(_ frame: [UInt8], ingress: Int) -> [UInt8] {
        var input = [UInt8](repeating: 0, count: metaSize + frame.count)
        let meta = sfc_test_meta(magic: UInt32(SFC_TEST_MAGIC), ingress_port: UInt32(truncatingIfNeeded: ingress),
                                 egress_port: UInt32(SFC_NONE), reason: 0)
        input.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: meta, as: sfc_test_meta.self)
            if !frame.isEmpty { raw.baseAddress!.advanced(by: metaSize).copyMemory(from: frame, byteCount: frame.count) }
        }
        return input
    }

    /// The mean nanoseconds per run of `repeat` runs of one packet (the
    /// kernel loops; nothing is allocated per run). Tables and counters
    /// change as for real packets. Without BPF_F_TEST_XDP_LIVE_FRAMES each
    /// repetition runs on the previous one's output, so for a program that
    /// rewrites the packet only the first run sees `frame`.
    func benchmark(_ frame: [UInt8], ingress: Int, repeat count: UInt32) throws -> (nanoseconds: UInt32, action: UInt32) {
        let input = Self.input(frame, ingress: ingress)
        var ctxIn = xdp_md()
        ctxIn.data = UInt32(Self.metaSize)
        ctxIn.data_end = UInt32(input.count)
        var outSize: UInt32 = 0
        var retval: UInt32 = 0, duration: UInt32 = 0
        let err = input.withUnsafeBytes { i in
            sfc_bpf_prog_run(programFD, i.baseAddress, UInt32(i.count), nil, &outSize, &ctxIn, UInt32(MemoryLayout<xdp_md>.size),
                             nil, 0, max(1, count), &retval, &duration)
        }
        guard err == 0 else { throw XDPError(.run, "BPF_PROG_RUN (repeat \(count)) failed: \(errnoText(err))") }
        return (duration, retval)
    }
}
