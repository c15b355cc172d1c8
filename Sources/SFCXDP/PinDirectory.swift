// Pins under bpffs keep the program and its maps alive without this
// process: a restarted daemon adopts the maps (same counters, End.AD cache
// and tables) and swaps in its tables as a new generation.
import CLibBPF
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

public struct PinDirectory: Sendable {
    public static let root = "/sys/fs/bpf"

    /// Where the pins are, as the host sees it (/sys/fs/bpf/...).
    public let path: String
    /// Where this process reaches them: `path`, or the same directory
    /// through the bpffs of an outer mount namespace (see `prepare`).
    public let effectivePath: String

    /// /sys/fs/bpf/sfc/<node name>, the daemon's place.
    public static func forNode(_ name: String) -> PinDirectory {
        // The chain file's validator allows only safe node names; this
        // keeps the path one component below sfc/ whatever it is given
        // (no '/', and no leading '.', so never "." or "..").
        var safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        if safe.hasPrefix(".") { safe = "_" + safe.dropFirst() }
        return PinDirectory(path: root + "/sfc/" + (safe.isEmpty ? "default" : safe))
    }

    public init(path: String) { self.path = path; effectivePath = path }
    init(path: String, effectivePath: String) { self.path = path; self.effectivePath = effectivePath }

    /// Makes sure bpffs is there and creates the directory; returns where
    /// this process reaches it. `ip netns exec` runs us in a mount namespace
    /// of its own with a fresh /sys and no bpffs: a bpffs mounted there
    /// would vanish with us, pins and all. So when an ancestor process sits
    /// in another mount namespace with bpffs, the pins go there, through a
    /// directory fd held for the life of the process (the kernel refuses to
    /// bind-mount across namespaces).
    public func prepare(logger: Logger? = nil) throws -> PinDirectory {
        var resolved = self
        if !Self.isBPFFS(Self.root) {
            if let outer = Self.outerRootFD, path.hasPrefix(Self.root) {
                resolved = PinDirectory(path: path, effectivePath: "/proc/self/fd/\(outer)" + path.dropFirst(Self.root.count))
                logger?.info("no bpffs in this mount namespace (ip netns exec?): pinning in the outer one's \(Self.root)")
            } else {
                try Self.mountBPFFS()
                // In a mount namespace of its own the mount (and every pin
                // in it) lives only as long as this process.
                let why = "bpffs was not mounted: mounted it at \(Self.root); pins there survive a restart only if this "
                    + "mount namespace is the machine's (run `make deps` or `mount -t bpf bpf \(Self.root)` once)"
                logger?.warning("\(why)")
            }
        }
        // Both sfc/ and the node's directory: root's, 0700, writable by no
        // one else, so another local user can neither plant nor swap pins.
        do {
            try SafeDirectory.ensure((resolved.effectivePath as NSString).deletingLastPathComponent, mode: 0o700)
            try SafeDirectory.ensure(resolved.effectivePath, mode: 0o700)
        } catch let error as XDPError {
            throw XDPError(.pin, "the pin directory \(path) is not safe to use: \(error.message)")
        }
        return resolved
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: effectivePath) }

    /// Removes every pin in the directory and the directory (and an empty parent).
    public func remove() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: effectivePath)) ?? []
        for name in names { unlink(effectivePath + "/" + name) }
        rmdir(effectivePath)
        if (path as NSString).deletingLastPathComponent != Self.root {
            rmdir((effectivePath as NSString).deletingLastPathComponent)  // fails harmlessly when not empty
        }
    }

    static func isBPFFS(_ path: String) -> Bool { sfc_bpf_is_bpffs(path) != 0 }

    /// An O_PATH fd on the bpffs of the nearest ancestor process in another
    /// mount namespace (whoever ran `ip netns exec`), opened once.
    static let outerRootFD: Int32? = {
        guard let mine = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt") else { return nil }
        var pid = getppid()
        for _ in 0..<64 where pid > 1 {
            if let ns = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt"), ns != mine {
                let candidate = "/proc/\(pid)/root" + root
                guard isBPFFS(candidate) else { return nil }
                let fd = open(candidate, 0o10000000 | O_DIRECTORY | O_CLOEXEC)  // O_PATH
                return fd >= 0 ? fd : nil
            }
            pid = parent(of: pid)
        }
        return nil
    }()

    static func parent(of pid: Int32) -> Int32 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) ?? 0 : 0  // state, then ppid
    }

    static func mountBPFFS() throws {
        // mode=0700: the default 1777 would let any local user create or
        // swap entries before the forwarder does.
        if mount("bpf", root, "bpf", 0, "mode=0700") == 0, isBPFFS(root) { return }
        let code = errno
        throw XDPError(.bpffs, "bpffs is not mounted at \(root) and mounting it failed (\(errnoText(code))); "
                       + "as root run `mount -t bpf bpf \(root)` (or `make deps`)")
    }
}
