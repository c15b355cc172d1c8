// Pins under bpffs keep the program and its maps alive without this
// process: a restarted daemon adopts the maps (same counters, End.AD cache
// and tables) and swaps in its tables as a new generation.
import CLibBPF
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct PinDirectory: Sendable {
    public static let root = "/sys/fs/bpf"

    public let path: String

    /// /sys/fs/bpf/sfc/<node name>, the daemon's place.
    public static func forNode(_ name: String) -> PinDirectory {
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        return PinDirectory(path: root + "/sfc/" + (safe.isEmpty ? "default" : safe))
    }

    public init(path: String) { self.path = path }

    /// Mounts bpffs at /sys/fs/bpf when it is not, then creates the directory.
    public func prepare() throws {
        try Self.ensureBPFFS()
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw XDPError(.pin, "cannot create the pin directory \(path): \(error)")
        }
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Removes every pin in the directory and the directory (and an empty parent).
    public func remove() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names { unlink(path + "/" + name) }
        rmdir(path)
        let parent = (path as NSString).deletingLastPathComponent
        if parent != Self.root { rmdir(parent) }  // fails harmlessly when not empty
    }

    static func isBPFFS(_ path: String) -> Bool {
        sfc_bpf_is_bpffs(path) != 0
    }

    static func ensureBPFFS() throws {
        if isBPFFS(root) { return }
        if mount("bpf", root, "bpf", 0, nil) == 0, isBPFFS(root) { return }
        let code = errno
        throw XDPError(.bpffs, "bpffs is not mounted at \(root) and mounting it failed (\(errnoText(code))); "
                       + "as root run `mount -t bpf bpf \(root)` (or `make deps`)")
    }
}
