// What sfc-bench needs of libbpf to time the XDP program: the trivial
// XDP_TX baseline program (BPF/xdp_tx.c), single-packet and in-kernel-loop
// BPF_PROG_RUN calls with the test metadata in front of the frame, and the
// kernel's per-program run-time statistics. Errors read as the bench's own.
import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// The trivial XDP_TX program, loaded by itself (it has no maps).
public final class XDPBaselineProgram {
    let object: OpaquePointer
    public let fd: Int32

    public init(path: String, program: String) throws {
        guard let object = bpf_object__open_file(path, nil) else {
            throw XDPError(.openFailed, "cannot open the baseline XDP object \(path) (errno \(errno)): run `make bpf`")
        }
        let err = bpf_object__load(object)
        guard err == 0, let found = bpf_object__find_program_by_name(object, program) else {
            bpf_object__close(object)
            throw XDPError(.loadFailed, "cannot load \(program) from \(path) (error \(err))")
        }
        self.object = object
        fd = bpf_program__fd(found)
    }
    deinit { bpf_object__close(object) }
}

/// One program's input: the metadata naming the ingress port, then the
/// frame; several frames (one per flow) are taken in turn, one per run.
public struct XDPBenchInput: Sendable {
    var frames: [[UInt8]]

    public init(frame: [UInt8], ingress: Int) { self.init(frames: [frame], ingress: ingress) }

    /// `frames` must not be empty and must all be as long as the first.
    public init(frames: [[UInt8]], ingress: Int) {
        let metaSize = MemoryLayout<sfc_test_meta>.size
        let meta = sfc_test_meta(magic: UInt32(SFC_TEST_MAGIC), ingress_port: UInt32(ingress),
                                 egress_port: UInt32(SFC_NONE), reason: 0)
        self.frames = frames.map { frame in
            var bytes = [UInt8](repeating: 0, count: metaSize + frame.count)
            bytes.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: meta, as: sfc_test_meta.self)
                raw.baseAddress!.advanced(by: metaSize).copyMemory(from: frame, byteCount: frame.count)
            }
            return bytes
        }
    }

    var bytes: [UInt8] { frames[0] }

    /// `count` calls of one run each, the frames in turn: the kernel's
    /// duration of each, and how many returned something other than `expected`.
    public func single(_ fd: Int32, count: Int, expected: UInt32, into durations: inout [UInt32]) throws -> Int {
        var ctx = xdp_md()
        ctx.data = UInt32(MemoryLayout<sfc_test_meta>.size)
        ctx.data_end = UInt32(bytes.count)
        var unexpected = 0
        durations.removeAll(keepingCapacity: true)
        var next = 0
        for _ in 0..<count {
            var outSize: UInt32 = 0, retval: UInt32 = 0, duration: UInt32 = 0
            let err = frames[next].withUnsafeBytes { i in
                sfc_bpf_prog_run(fd, i.baseAddress, UInt32(i.count), nil, &outSize, &ctx,
                                 UInt32(MemoryLayout<xdp_md>.size), nil, 0, 1, &retval, &duration)
            }
            guard err == 0 else { throw XDPError(.run, "BPF_PROG_RUN failed (error \(err))") }
            if retval != expected { unexpected += 1 }
            durations.append(duration)
            next = next + 1 == frames.count ? 0 : next + 1
        }
        return unexpected
    }

    /// The kernel's own loop: `repeat` runs on one buffer, each on the last one's output.
    public func loop(_ fd: Int32, repeat count: UInt32) throws -> (ns: UInt32, action: UInt32) {
        var ctx = xdp_md()
        ctx.data = UInt32(MemoryLayout<sfc_test_meta>.size)
        ctx.data_end = UInt32(bytes.count)
        var outSize: UInt32 = 0, retval: UInt32 = 0, duration: UInt32 = 0
        let err = bytes.withUnsafeBytes { i in
            sfc_bpf_prog_run(fd, i.baseAddress, UInt32(i.count), nil, &outSize, &ctx,
                             UInt32(MemoryLayout<xdp_md>.size), nil, 0, count, &retval, &duration)
        }
        guard err == 0 else { throw XDPError(.run, "BPF_PROG_RUN (repeat \(count)) failed (error \(err))") }
        return (duration, retval)
    }
}

/// The kernel's per-program accounting (BPF_ENABLE_STATS).
public enum XDPRunStats {
    /// Turns run-time statistics on until the returned descriptor is closed; nil if refused.
    public static func enable() -> Int32? {
        let fd = bpf_enable_stats(BPF_STATS_RUN_TIME)
        return fd >= 0 ? fd : nil
    }

    public static func disable(_ fd: Int32) { close(fd) }

    /// run_time_ns and run_cnt of a program (counted while stats are enabled).
    public static func of(_ fd: Int32) -> (ns: UInt64, count: UInt64)? {
        var info = bpf_prog_info()
        var length = UInt32(MemoryLayout<bpf_prog_info>.size)
        guard bpf_obj_get_info_by_fd(fd, &info, &length) == 0 else { return nil }
        return (info.run_time_ns, info.run_cnt)
    }
}
