// One loaded XDP object: libbpf opens the ELF, creates (or, when pinned,
// reuses) every map, and loads the program through the verifier. The inner
// map templates of the ARRAY_OF_MAPS tables are read before loading:
// libbpf frees them once the outer maps exist.
import CLibBPF
import Foundation
import SFCCore

/// What a map is made of, enough to create another like it.
public struct MapShape: Sendable, Equatable {
    public var type: bpf_map_type
    public var keySize: UInt32
    public var valueSize: UInt32
    public var maxEntries: UInt32
    public var flags: UInt32
}

public final class BPFObject {
    public static let programName = "sfc_xdp"
    static let loading = NSLock()
    let object: OpaquePointer
    public let path: String
    /// The program packets run: this load's, or an adopted pinned one.
    public private(set) var programFD: Int32
    private var adoptedProgramFD: Int32 = -1
    /// Outer map name -> the shape of its inner maps.
    public let innerShapes: [String: MapShape]
    /// True when the maps were reused from pins rather than created.
    public let reusedPins: Bool
    /// The flow hash seed this load's program was given.
    public let flowSeed: UInt32

    /// - Parameter pinDirectory: when set, every map is pinned there (as
    ///   its name) and pins already there are reused: the adopt path.
    /// - Parameter flowSeed: the node's flow hash seed, written into the
    ///   program's .rodata (`sfc_flow_seed`) before it loads.
    public init(path: String, pinDirectory: String? = nil, flowSeed: UInt32 = FlowHash.seed) throws {
        // libbpf's log is one per process: one load at a time, so an error
        // quotes its own verifier log.
        BPFObject.loading.lock()
        defer { BPFObject.loading.unlock() }
        BPFLog.start()
        guard let object = bpf_object__open_file(path, nil) else {
            let code = errno
            throw XDPError(.openFailed, "cannot open the XDP object \(path): \(errnoText(code))\n\(BPFLog.lastLines())")
        }
        self.object = object
        self.path = path
        var shapes: [String: MapShape] = [:]
        var reused = false
        var map = bpf_object__next_map(object, nil)
        while let m = map {
            let name = String(cString: bpf_map__name(m))
            if let inner = bpf_map__inner_map(m) {
                shapes[name] = MapShape(type: bpf_map__type(inner), keySize: bpf_map__key_size(inner),
                                        valueSize: bpf_map__value_size(inner), maxEntries: bpf_map__max_entries(inner),
                                        flags: bpf_map__map_flags(inner))
            }
            if let pinDirectory, !bpf_map__is_internal(m) {  // .rodata/.bss belong to this load only
                do { reused = try Self.pinOrReuse(m, name: name, at: pinDirectory + "/" + name) || reused } catch {
                    bpf_object__close(object)
                    throw error
                }
            }
            map = bpf_object__next_map(object, m)
        }
        innerShapes = shapes
        reusedPins = reused

        guard let program = bpf_object__find_program_by_name(object, BPFObject.programName) else {
            bpf_object__close(object)
            throw XDPError(.openFailed, "\(path) has no program named \(BPFObject.programName) (SEC(\"xdp\") int sfc_xdp(...))")
        }
        // An object without the variable (a test's own program) is fine
        // unkeyed; a key it cannot take is an error, not a silent public seed.
        let seeded = sfc_bpf_set_rodata_u32(object, "sfc_flow_seed", flowSeed)
        if seeded != 0 && !(seeded == -ENOENT && flowSeed == FlowHash.seed) {
            bpf_object__close(object)
            throw XDPError(.openFailed, "\(path) has no 32-bit sfc_flow_seed in .rodata (BPF/sfc_parse.h): \(errnoText(seeded))")
        }
        self.flowSeed = flowSeed
        let err = bpf_object__load(object)
        if err != 0 {
            let tail = BPFLog.tail()
            bpf_object__close(object)
            if tail.contains("processed") || BPFLog.text.contains("BEGIN PROG LOAD LOG") {
                throw XDPError(.verifierRejected, "the kernel's verifier rejected \(path) (\(errnoText(err))); "
                               + "the end of its log:\n\(tail)")
            }
            throw XDPError(.loadFailed, "cannot load \(path): \(errnoText(err)). libbpf said:\n\(BPFLog.lastLines(12))\n"
                           + Self.hint(BPFLog.text, pinned: pinDirectory))
        }
        programFD = bpf_program__fd(program)
    }

    /// Instructions the kernel's verifier processed to load the program
    /// packets run (bpf_prog_info.verified_insns); 0 when the kernel does not say.
    public var verifiedInstructions: UInt32 { sfc_bpf_prog_verified_insns(programFD) }
    /// The loaded program's instructions (8 bytes each, as the kernel keeps
    /// them) and JIT image bytes; nil when the kernel does not say.
    public var programSize: (instructions: Int, jitedBytes: Int)? {
        var xlated: UInt32 = 0, jited: UInt32 = 0
        guard sfc_bpf_prog_sizes(programFD, &xlated, &jited) == 0 else { return nil }
        return (Int(xlated) / 8, Int(jited))
    }

    /// Reuses the map pinned at `pin` (checked against the object's
    /// definition ourselves: libbpf 1.1 refuses a pinned DEVMAP because the
    /// kernel adds BPF_F_RDONLY_PROG to its flags), or has libbpf pin the
    /// new map there after loading. True when reused.
    static func pinOrReuse(_ map: OpaquePointer, name: String, at pin: String) throws -> Bool {
        let pinned = bpf_obj_get(pin)
        guard pinned >= 0 else {
            let err = bpf_map__set_pin_path(map, pin)
            if err != 0 { throw XDPError(.pin, "cannot pin map \(name) at \(pin): \(errnoText(err))") }
            return false
        }
        defer { close(pinned) }
        var type: UInt32 = 0, key: UInt32 = 0, value: UInt32 = 0, entries: UInt32 = 0
        let err = sfc_bpf_map_info(pinned, &type, &key, &value, &entries)
        let want = (bpf_map__type(map).rawValue, bpf_map__key_size(map), bpf_map__value_size(map), bpf_map__max_entries(map))
        guard err == 0, (type, key, value, entries) == want else {
            throw XDPError(.pin, "the map pinned at \(pin) (type \(type), key \(key), value \(value), \(entries) entries) is not "
                           + "the object's \(name) (type \(want.0), key \(want.1), value \(want.2), \(want.3) entries): "
                           + "an older build left it; stop that dataplane (`sfc-forwarder run` without --leave-running "
                           + "detaches and unpins) or remove \((pin as NSString).deletingLastPathComponent)")
        }
        let reuse = bpf_map__reuse_fd(map, pinned)
        if reuse != 0 { throw XDPError(.pin, "cannot reuse the map pinned at \(pin): \(errnoText(reuse))") }
        return true
    }

    /// A hint for the usual kernel-side causes of a load failure.
    static func hint(_ log: String, pinned: String?) -> String {
        if log.contains("couldn't reuse pinned map") || log.contains("reuse") && pinned != nil {
            return "the maps pinned in \(pinned ?? "?") come from an incompatible object: stop the old dataplane "
                + "(`sfc-forwarder run` without --leave-running detaches and unpins) or remove the directory"
        }
        if log.contains("BTF") || log.contains("btf") {
            return "the kernel may lack BTF (CONFIG_DEBUG_INFO_BTF, /sys/kernel/btf/vmlinux) or a map type this object uses"
        }
        return "is this root (CAP_BPF, CAP_NET_ADMIN) on a kernel with XDP, BTF and ARRAY_OF_MAPS support?"
    }

    deinit {
        if adoptedProgramFD >= 0 { close(adoptedProgramFD) }
        bpf_object__close(object)
    }

    /// The kernel's id of the program in use.
    public var programID: UInt32 { sfc_bpf_prog_id(programFD, nil) }

    /// When `path` holds a pinned program with the same code as this load
    /// (same tag), uses it instead: it is the one attached to the
    /// interfaces, so a restarted daemon adopts it without replacing it.
    /// Otherwise (none pinned, or another build) pins this load's program there.
    /// Returns the adopted program's id, or nil when this load's was pinned.
    public func adoptOrPinProgram(at path: String) throws -> UInt32? {
        let pinned = bpf_obj_get(path)
        if pinned >= 0 {
            var mine = [UInt8](repeating: 0, count: 8), theirs = [UInt8](repeating: 0, count: 8)
            let myID = sfc_bpf_prog_id(programFD, &mine)
            let theirID = sfc_bpf_prog_id(pinned, &theirs)
            // Same code with another flow hash seed has the same tag: the
            // seed lives in .rodata. Adopt only a program hashing as this one.
            var theirSeed: UInt32 = 0
            let seedKnown = sfc_bpf_prog_rodata_u32(pinned, &theirSeed) == 0
            if myID != 0 && theirID != 0 && mine == theirs && seedKnown && theirSeed == flowSeed {
                if adoptedProgramFD >= 0 { close(adoptedProgramFD) }
                adoptedProgramFD = pinned
                programFD = pinned
                return theirID
            }
            close(pinned)
        }
        try pinProgram(at: path)
        return nil
    }

    /// The fd of a map by name, or an error naming the object.
    public func mapFD(_ name: String) throws -> Int32 {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw XDPError(.mapMissing, "\(path) has no map named \(name) (see BPF/include/sfc_tables.h for the contract)")
        }
        return bpf_map__fd(map)
    }

    func map(_ name: String) throws -> OpaquePointer {
        guard let map = bpf_object__find_map_by_name(object, name) else {
            throw XDPError(.mapMissing, "\(path) has no map named \(name) (see BPF/include/sfc_tables.h for the contract)")
        }
        return map
    }

    /// The value size libbpf knows for a map (per CPU for per-CPU maps).
    public func valueSize(_ name: String) throws -> UInt32 { bpf_map__value_size(try map(name)) }
    public func maxEntries(_ name: String) throws -> UInt32 { bpf_map__max_entries(try map(name)) }

    /// Pins the program at `path`, replacing an older pin.
    public func pinProgram(at path: String) throws {
        unlink(path)
        guard let program = bpf_object__find_program_by_name(object, BPFObject.programName) else { return }
        let err = bpf_program__pin(program, path)
        if err != 0 { throw XDPError(.pin, "cannot pin the program at \(path): \(errnoText(err))") }
    }
}

#if canImport(Glibc)
import Glibc
#endif
