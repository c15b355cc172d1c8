// One cgroup v2 per scaled VNF instance (lab scale:), so the VNF manager can
// read the CPU time of the instance's processes: <cgroup2 mount>/sfc-lab/<name>,
// cpu.stat's usage_usec. The cgroup2 mount is found in /proc/mounts
// (/sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid one);
// without one, `available` says why and the report says so.
import Foundation

public struct CGroup: Sendable {
    public let name: String
    public let path: String

    /// The cgroup2 mount point, or why there is none.
    public static func root() -> Result<String, LabError> {
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else {
            return .failure(LabError("cannot read /proc/mounts"))
        }
        for line in mounts.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count > 2, f[2] == "cgroup2" {
                let mount = String(f[1])
                guard FileManager.default.fileExists(atPath: mount + "/cpu.stat") else {
                    return .failure(LabError("cgroup2 at \(mount) has no cpu.stat"))
                }
                return .success(mount)
            }
        }
        return .failure(LabError("no cgroup2 file system is mounted (cgroup v1 only)"))
    }

    static var labRoot: String? { try? root().get() + "/sfc-lab" }

    /// Creates <root>/sfc-lab/<name> (removing a leftover of that name first).
    public static func create(_ name: String) throws -> CGroup {
        let root = try root().get()
        let base = root + "/sfc-lab", path = base + "/" + name
        let fm = FileManager.default
        if !fm.fileExists(atPath: base) { try fm.createDirectory(atPath: base, withIntermediateDirectories: false) }
        if fm.fileExists(atPath: path) { remove(path) }
        do { try fm.createDirectory(atPath: path, withIntermediateDirectories: false) } catch {
            throw LabError("cannot create the cgroup \(path): \(error)")
        }
        return CGroup(name: name, path: path)
    }

    /// The argv that runs `argv` inside this cgroup (the shell joins it, then becomes the command).
    public func wrap(_ argv: [String]) -> [String] {
        ["sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", path + "/cgroup.procs"] + argv
    }

    /// usage_usec of cpu.stat: CPU time of every process that ran in it.
    public func usageMicroseconds() -> Int? {
        guard let text = try? String(contentsOfFile: path + "/cpu.stat", encoding: .utf8) else { return nil }
        return Self.usage(cpuStat: text)
    }

    static func usage(cpuStat text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, f[0] == "usage_usec" { return Int(f[1]) }
        }
        return nil
    }

    public var processes: [Int32] {
        ((try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// Kills what is left in it and removes it.
    public func remove() { Self.remove(path) }

    static func remove(_ path: String) {
        let procs = ((try? String(contentsOfFile: path + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { Int32($0) }
        for pid in procs { kill(pid, SIGKILL) }
        let deadline = Date().addingTimeInterval(3)
        while rmdir(path) != 0 && errno == EBUSY && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    /// Removes every cgroup under <root>/sfc-lab and the directory itself; returns what it removed.
    @discardableResult
    public static func removeAll() -> [String] {
        guard let base = labRoot, FileManager.default.fileExists(atPath: base) else { return [] }
        var removed: [String] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] {
            let path = base + "/" + name
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue,
                  FileManager.default.fileExists(atPath: path + "/cgroup.procs") else { continue }
            remove(path)
            removed.append(path)
        }
        rmdir(base)
        return removed
    }
}
