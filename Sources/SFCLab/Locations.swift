// Where the lab finds what it runs: sfc-forwarder next to its own binary,
// the repository (for the XDP object under .build/bpf, which the forwarder
// looks up from its working directory, and the traffic helper
// Tests/e2e/tcp_transfer.py), clang for the XDP_PASS program.
import Foundation

public enum Locations {
    /// The directory of the running executable.
    static var executableDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// A sibling executable (sfc-forwarder), or SFC_FORWARDER for that one.
    public static func sibling(_ name: String) throws -> String {
        if name == "sfc-forwarder", let path = ProcessInfo.processInfo.environment["SFC_FORWARDER"], !path.isEmpty { return path }
        let candidate = executableDirectory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw LabError("\(name) is not next to sfc-lab (\(candidate)): build it in the same scratch path (`swift build`)")
        }
        return candidate
    }

    /// The repository: the first directory, walking up from the working
    /// directory, the chain file and the executable, that holds Package.swift
    /// and Tests/e2e/tcp_transfer.py.
    public static func repositoryRoot(chainFile: String) throws -> String {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let chain = URL(fileURLWithPath: chainFile, relativeTo: cwd).standardizedFileURL.deletingLastPathComponent()
        for start in [cwd, chain, executableDirectory] {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
                   FileManager.default.fileExists(atPath: dir.appendingPathComponent("Tests/e2e/tcp_transfer.py").path) {
                    return dir.path
                }
                dir.deleteLastPathComponent()
            }
        }
        throw LabError("cannot find the sfc repository (Package.swift and Tests/e2e/tcp_transfer.py) above \(cwd.path), "
                       + "\(chain.path) or \(executableDirectory.path)")
    }

    public static let python = "/usr/bin/python3"

    static func clang() -> String? {
        var candidates: [String] = []
        if let cc = ProcessInfo.processInfo.environment["BPF_CC"], !cc.isEmpty { candidates.append(cc) }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/clang") }
        candidates.append("/opt/swift/usr/bin/clang")
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// XDP_PASS for the non-forwarder ends of the veths: a frame the
/// forwarder's XDP program redirects into a veth is queued for the NAPI
/// instance of the peer end, which has one only with an XDP program
/// attached (or GRO on, which would merge the TCP segments the report counts).
enum XDPPass {
    static let source = """
        #include <linux/bpf.h>
        __attribute__((section("xdp"), used)) int lab_xdp_pass(struct xdp_md *ctx) { (void)ctx; return XDP_PASS; }
        char _license[] __attribute__((section("license"), used)) = "GPL";

        """

    /// Compiles the program into `directory`; returns the object's path.
    static func build(in directory: String) throws -> String {
        guard let cc = Locations.clang() else { throw LabError("no clang to build the XDP_PASS program (set BPF_CC)") }
        let c = directory + "/lab_xdp_pass.c", o = directory + "/lab_xdp_pass.o"
        try source.write(toFile: c, atomically: true, encoding: .utf8)
        let arch = Shell.run(["gcc", "-print-multiarch"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try Shell.check([cc, "-target", "bpf", "-O2", "-g", "-Wall", "-I/usr/include/" + (arch.isEmpty ? "x86_64-linux-gnu" : arch),
                         "-c", c, "-o", o], timeout: 60)
        return o
    }
}
