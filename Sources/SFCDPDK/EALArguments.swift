// The EAL command line built from the chain file's `dpdk:` section: lcores,
// memory (hugepages or --no-huge), one --vdev per virtual device, -a per PCI
// device, a file prefix unique to this process, then the extra arguments.
import SFCCore

public struct EALArguments: Sendable, Equatable {
    public var arguments: [String]
    /// Things worth telling the operator (the --no-huge fallback).
    public var notices: [String]

    /// - Parameters:
    ///   - meminfo: the text of /proc/meminfo, read for `hugepages: auto`.
    ///   - prefix: EAL's --file-prefix; unique per process so two forwarders never share state.
    public static func build(_ config: DPDKConfig, meminfo: String?, prefix: String,
                             program: String = "sfc-forwarder") throws -> EALArguments {
        guard !config.lcores.isEmpty else {
            throw DPDKError(.lcores, "the dpdk section lists no lcores: give at least one, e.g. `lcores: [0]`")
        }
        if let bad = config.lcores.first(where: { $0 < 0 }) {
            throw DPDKError(.lcores, "lcore \(bad) is not a CPU number: lcores are CPU numbers such as 0 or 1")
        }
        if Set(config.lcores).count != config.lcores.count {
            throw DPDKError(.lcores, "lcores \(config.lcores) lists a CPU twice: give each CPU once")
        }
        guard config.memoryMB > 0 else {
            throw DPDKError(.mempool, "dpdk memory is \(config.memoryMB) MiB: give EAL at least 64 MiB (e.g. `memory: 256`)")
        }
        var args = [program, "-l", config.lcores.map(String.init).joined(separator: ","),
                    "--main-lcore", String(config.lcores[0])]
        var notices: [String] = []
        switch config.hugepages {
        case .off:
            args.append("--no-huge")
        case .on:
            break
        case .auto:
            let free = Hugepages.free(meminfo: meminfo ?? "")
            if free.bytes < UInt64(config.memoryMB) << 20 {
                args.append("--no-huge")
                notices.append("hugepages: \(free.pages) free (\(free.bytes >> 20) MiB) for \(config.memoryMB) MiB asked; "
                               + "running with --no-huge (slower). To use hugepages, reserve them, e.g. "
                               + "`echo \(Hugepages.pagesNeeded(memoryMB: config.memoryMB, pageSize: free.pageSize)) > /proc/sys/vm/nr_hugepages`")
            }
        }
        args += ["-m", String(config.memoryMB)]
        // No shared files (hugepage files, multi-process config): nothing to
        // leave behind when the process dies, no clash between two
        // forwarders. --no-huge implies legacy memory, which --in-memory
        // refuses; --no-shconf is its part that still applies.
        args += [args.contains("--no-huge") ? "--no-shconf" : "--in-memory", "--file-prefix", prefix]
        var hasPCI = false
        for port in config.ports {
            guard let port else { continue }
            if port.isPCI {
                args += ["-a", port.device]
                hasPCI = true
            } else {
                args += ["--vdev", port.device]
            }
        }
        // Without any PCI device named, scanning the bus only finds devices nobody asked for.
        if !hasPCI && !config.ealArguments.contains(where: { $0 == "-a" || $0.hasPrefix("--allow") }) {
            args.append("--no-pci")
        }
        args += config.ealArguments
        return EALArguments(arguments: args, notices: notices)
    }
}

/// What /proc/meminfo says about hugepages.
public enum Hugepages {
    public struct Free: Sendable, Equatable {
        public var pages: UInt64
        public var pageSize: UInt64
        public var bytes: UInt64 { pages * pageSize }
    }

    public static func free(meminfo: String) -> Free {
        var pages: UInt64 = 0, size: UInt64 = 2 << 20
        for line in meminfo.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == ":" })
            guard fields.count >= 2, let value = UInt64(fields[1]) else { continue }
            if fields[0] == "HugePages_Free" { pages = value }
            if fields[0] == "Hugepagesize" { size = value * 1024 }
        }
        return Free(pages: pages, pageSize: size)
    }

    public static func pagesNeeded(memoryMB: Int, pageSize: UInt64) -> UInt64 {
        let bytes = UInt64(memoryMB) << 20
        return (bytes + pageSize - 1) / max(pageSize, 1)
    }
}
