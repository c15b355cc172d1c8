// swift-tools-version:6.0
import Foundation
import PackageDescription

// Module map (see docs/ARCHITECTURE.md):
//   sfc-spec-gen + SharedSpecPlugin  generate SFCCore's SharedSpec.swift (drop reasons, behaviours,
//               steps, limits) from the C X-macro lists in BPF/include at build time: one list, two languages
//   SFCCore     Swift (CSHA256 aside): header views, the one compiled-table stage (Tables/), the reference pipeline
//   CSFCShared  a host build of BPF/include, so tests hold the generated Swift to what C makes of it
//   CSHA256     SHA-256 block compression on the x86 SHA extensions (SFCCore's HMAC uses it when the CPU has them)
//   SFCConfig   YAML chain files -> validated CompiledConfig, with diagnostics
//   SFCLabConfig a chain file's `lab:` section (the demo lab's language), parsed and checked beside SFCConfig
//   SFCCapture  pcap / pcapng reading and writing
//   SFCRuntime  what every command uses: CommandResult, StopSignal (flag in CSFCRuntime), logger, exit
//   SFCTrace    what chain-trace does (check, simulate, decode), as a library
//   CDPDK       C shim over DPDK 22.11 (inline functions and macros Swift can't call)
//   SFCDPDK     the DPDK dataplane: EAL, mempool, ports, lcore forwarding loops
//   CLibBPF     C shim over Debian's libbpf 1.1 (opts structs, the log callback, BTF helpers)
//   SFCXDP      the XDP dataplane: loads BPF objects, fills maps from the tables, attaches
//   SFCFixtures the shared fixture files, the differential corpus, and their DPDK / BPF_PROG_RUN harnesses
//   SFCControl  the control API's HTTP server on a Unix socket (peer-checked) and the metrics listener (SwiftNIO)
//   SFCForwarder the daemon's commands (run, replay, fixtures; the dataplanes plug in here)
//   chain-trace the debugging CLI
//   sfc-forwarder the daemon
//   sfc-bench   the benchmarks (DPDK loop on net_null/net_ring, XDP under BPF_PROG_RUN), one JSON object per run
//   SFCLab      the demo lab: a chain file's `lab:` section -> namespaces, VNFs, traffic, report
//   sfc-lab     the lab CLI (up, down, demo)
// Tests: one target per module, plus SFCDPDKTests (the DPDK binary), EndToEndTests,
// InteropTests and DemoTests, which drive the binaries as subprocesses with SFCTestSupport.
// `SFC_FUZZ=1 swift build --build-path .build-fuzz --product sfc-fuzz` (the
// Makefile's fuzz-build): the code the fuzz targets reach is built with
// libFuzzer's coverage and AddressSanitizer, and sfc-fuzz links libFuzzer.
// Per target, not -Xswiftc: the build's own tools (the spec generator) stay plain.
let fuzzing = Context.environment["SFC_FUZZ"] != nil
let fuzzed: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"]), .define("SFC_FUZZ")] : []
let fuzzLink: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer,address"])] : []

let package = Package(
    name: "sfc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "chain-trace", targets: ["chain-trace"]),
        .executable(name: "sfc-forwarder", targets: ["sfc-forwarder"]),
        .executable(name: "sfc-lab", targets: ["sfc-lab"]),
        .executable(name: "sfc-bench", targets: ["sfc-bench"]),
        .library(name: "SFCCore", targets: ["SFCCore"]),
        .library(name: "SFCConfig", targets: ["SFCConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.60.0"),
    ],
    targets: [
        // The lists and limits every dataplane shares are C X-macros in BPF/include; this
        // plugin generates SFCCore's Swift view of them (SharedSpec.swift) at build time.
        .executableTarget(name: "sfc-spec-gen", path: "Sources/sfc-spec-gen"),
        .plugin(name: "SharedSpecPlugin", capability: .buildTool(), dependencies: ["sfc-spec-gen"]),
        // SHA-256 blocks on the x86 SHA extensions for SFCCore's HMAC (portable Swift elsewhere).
        .target(name: "CSHA256"),
        .target(name: "SFCCore", dependencies: ["CSHA256"], swiftSettings: fuzzed, plugins: ["SharedSpecPlugin"]),
        // Host build of the C headers the BPF programs share (BPF/include), for tests.
        .target(name: "CSFCShared"),
        .target(name: "SFCCapture", swiftSettings: fuzzed),
        // The stop flag a signal handler sets (C11 atomic), under SFCRuntime's StopSignal.
        .target(name: "CSFCRuntime"),
        .target(name: "SFCRuntime", dependencies: ["CSFCRuntime", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SFCConfig", dependencies: ["SFCCore", .product(name: "Yams", package: "Yams")], swiftSettings: fuzzed),
        // The lab: section's language, a section handler for SFCConfig (sfc-lab and chain-trace check).
        .target(name: "SFCLabConfig", dependencies: ["SFCCore", "SFCConfig", .product(name: "Yams", package: "Yams")]),
        .target(name: "SFCTrace", dependencies: ["SFCCore", "SFCConfig", "SFCLabConfig", "SFCCapture", "SFCRuntime"],
                swiftSettings: fuzzed),
        // Debian's libdpdk-dev 22.11; the flags are those of `pkg-config --cflags libdpdk` that the
        // shim needs (its public header includes no DPDK header, so importers need none).
        .target(
            name: "CDPDK",
            cSettings: [.unsafeFlags(["-I/usr/include/dpdk", "-I/usr/include/x86_64-linux-gnu/dpdk",
                                      "-include", "rte_config.h", "-march=corei7"])],
            linkerSettings: [.linkedLibrary("rte_eal"), .linkedLibrary("rte_mbuf"), .linkedLibrary("rte_ethdev"),
                             .linkedLibrary("rte_mempool"), .linkedLibrary("rte_ring"), .linkedLibrary("rte_net_ring"),
                             .linkedLibrary("rte_rcu")]
        ),
        .target(name: "SFCDPDK", dependencies: ["CDPDK", "SFCCore", "SFCRuntime", .product(name: "Logging", package: "swift-log")]),
        // Debian's libbpf-dev 1.1; its public header also exports BPF/include/sfc_tables.h to Swift.
        .target(name: "CLibBPF", linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]),
        .target(name: "SFCXDP", dependencies: ["CLibBPF", "SFCCore", .product(name: "Logging", package: "swift-log")]),
        // The shared fixture files, the differential corpus, and the harnesses that run them on each dataplane.
        .target(name: "SFCFixtures", dependencies: ["SFCCore", "SFCConfig", "SFCTrace", "SFCDPDK", "SFCXDP",
                                                    .product(name: "Logging", package: "swift-log")]),
        // The control API's HTTP/1.1 server (Unix socket, SO_PEERCRED) and the metrics listener, on SwiftNIO.
        .target(name: "SFCControl", dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                                                   .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log")]),
        // The daemon without a dataplane: questions, reload, steering, liveness,
        // metrics, over any DataplaneDriver (the DPDK and XDP drivers are in
        // SFCForwarder). No DPDK or libbpf here, so the control-api fuzz target
        // links it with AddressSanitizer.
        .target(name: "SFCDaemon", dependencies: ["SFCCore", "SFCControl", "SFCConfig", "SFCTrace", "SFCRuntime",
                                                  .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")]),
        .target(name: "SFCForwarder", dependencies: ["SFCDaemon", "SFCCore", "SFCControl", "SFCConfig", "SFCCapture", "SFCTrace", "SFCDPDK", "SFCRuntime",
                                                     "SFCXDP", "SFCFixtures", .product(name: "Logging", package: "swift-log"),
                                                     .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "sfc-forwarder",
            dependencies: ["SFCForwarder", "SFCCore", "SFCRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log")]
        ),
        // The benchmarks: reaches DPDK and libbpf only through SFCDPDK / SFCXDP.
        .executableTarget(
            name: "sfc-bench",
            dependencies: ["SFCDPDK", "SFCXDP", "SFCCore", "SFCConfig", "SFCRuntime", "CSFCRuntime",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log")]
        ),
        // The fuzz targets (issue 15): invariants in SFCFuzz, one binary that
        // libFuzzer drives (`make fuzz`) or that replays corpora (`make test`).
        // SFCXDP (libbpf) links under AddressSanitizer, unlike DPDK: the xdp-diff target.
        .target(name: "SFCFuzz", dependencies: ["SFCCore", "SFCConfig", "SFCCapture", "SFCTrace", "SFCControl", "SFCDaemon", "SFCXDP",
                                               .product(name: "NIOCore", package: "swift-nio"),
                                               .product(name: "NIOEmbedded", package: "swift-nio"),
                                               .product(name: "NIOHTTP1", package: "swift-nio")], swiftSettings: fuzzed),
        .executableTarget(name: "sfc-fuzz", dependencies: ["SFCFuzz"], swiftSettings: fuzzed, linkerSettings: fuzzLink),
        .executableTarget(
            name: "chain-trace",
            dependencies: ["SFCTrace", "SFCRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "SFCLab", dependencies: ["SFCCore", "SFCConfig", "SFCLabConfig", "SFCTrace"]),
        .executableTarget(
            name: "sfc-lab",
            dependencies: ["SFCLab", "SFCConfig", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "SFCFuzzTests", dependencies: ["SFCFuzz"]),
        .testTarget(name: "SFCCoreTests", dependencies: ["SFCCore", "CSFCShared"]),
        .testTarget(name: "SFCConfigTests", dependencies: ["SFCConfig", "SFCCore"]),
        .testTarget(name: "SFCLabConfigTests", dependencies: ["SFCLabConfig", "SFCConfig", "SFCCore"]),
        .testTarget(name: "SFCLabTests", dependencies: ["SFCLab", "SFCLabConfig"]),
        .testTarget(name: "SFCCaptureTests", dependencies: ["SFCCapture"]),
        .testTarget(name: "SFCTraceTests", dependencies: ["SFCTrace", "SFCConfig", "SFCCore", "SFCCapture", "SFCRuntime", "SFCFixtures"]),
        .testTarget(name: "SFCForwarderTests", dependencies: ["SFCForwarder", "SFCDaemon", "SFCControl", "SFCTrace", "SFCConfig", "SFCCore", "SFCCapture", "SFCTestSupport", "SFCFixtures",
                                                          .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")]),
        // Loads the XDP object and runs packets through BPF_PROG_RUN: needs root.
        .testTarget(name: "SFCXDPTests", dependencies: ["SFCXDP", "CLibBPF", "SFCForwarder", "SFCDaemon", "SFCFixtures", "SFCTrace", "SFCConfig", "SFCCore", "SFCCapture"]),
        // What the subprocess tests share: the binaries by path, processes, namespaces, captures, OVS.
        .target(name: "SFCTestSupport", dependencies: ["SFCCapture", "SFCConfig", "SFCLab"], path: "Tests/Support"),
        // Drive the sfc-forwarder binary as a subprocess: DPDK's EAL starts once per process.
        .testTarget(name: "SFCDPDKTests", dependencies: ["SFCTestSupport", "sfc-forwarder", "SFCDPDK", "SFCTrace", "SFCConfig", "SFCCore", "SFCCapture"]),
        // Both dataplanes end to end in network namespaces (root).
        .testTarget(name: "EndToEndTests", dependencies: ["SFCTestSupport", "sfc-forwarder", "SFCLab", "SFCConfig", "SFCCore", "SFCTrace"]),
        // Against independent peers: the kernel's SRv6, Open vSwitch's NSH.
        .testTarget(name: "InteropTests", dependencies: ["SFCTestSupport", "sfc-forwarder"]),
        // sfc-lab demo, as `make demo` runs it.
        .testTarget(name: "DemoTests", dependencies: ["SFCTestSupport", "sfc-forwarder", "sfc-lab"]),
    ]
)

// Sanitizer builds (issue 15; scripts/sanitize.sh, README "Sanitizers"). The
// sanitizers themselves come from `swift build --sanitize=...`, which
// instruments every target, dependencies included (NIO's locks and atomics
// must be instrumented for ThreadSanitizer to see them); this block only
// shapes the graph. SFC_SANITIZE=address: AddressSanitizer (and UBSan, below) aborts at startup
// in a process that loads DPDK's shared libraries, so every target that links
// DPDK leaves the graph, and SFCForwarderTests keeps only its in-process
// control API tests (Control/), which need SFCDaemon, not SFCForwarder.
// SFC_SANITIZE=thread keeps DPDK (ThreadSanitizer runs with it loaded) but
// only the test targets with more than one thread: the control API in process
// (SFCForwarderTests) and the forwarder's lcores beside it (SFCDPDKTests).
if let sanitize = Context.environment["SFC_SANITIZE"], sanitize.contains("address") {
    // Every target that reaches CDPDK through its dependencies, derived from
    // the graph above so a new target that links DPDK leaves too.
    var linksDPDK: Set<String> = ["CDPDK"]
    var grew = true
    while grew {
        grew = false
        for target in package.targets where !linksDPDK.contains(target.name) {
            let reaches = target.dependencies.contains { dependency in
                switch dependency {
                case .targetItem(let name, _), .byNameItem(let name, _): return linksDPDK.contains(name)
                default: return false
                }
            }
            if reaches { linksDPDK.insert(target.name); grew = true }
        }
    }
    package.targets.removeAll { linksDPDK.contains($0.name) }
    package.products.removeAll { $0.name == "sfc-forwarder" || $0.name == "sfc-bench" }
    // UndefinedBehaviorSanitizer: swiftc has no -sanitize=undefined on Linux (Swift traps
    // on overflow and bounds by itself), so it instruments our C shims; the ASan runtime
    // carries its handlers, and no-recover turns a report into an abort.
    for target in package.targets where ["CSFCShared", "CSFCRuntime", "CLibBPF", "CSHA256"].contains(target.name) {
        target.cSettings = (target.cSettings ?? []) + [.unsafeFlags(["-fsanitize=undefined", "-fno-sanitize-recover=all"])]
    }
    package.targets.append(.testTarget(
        name: "SFCForwarderTests",
        dependencies: ["SFCDaemon", "SFCControl", "SFCTrace", "SFCConfig", "SFCCore", "SFCTestSupport",
                       .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log")],
        sources: ["Control"]))
}
if let sanitize = Context.environment["SFC_SANITIZE"], sanitize.contains("thread") {
    // The test targets of Tests/ThreadSanitizerSuites, the one list of what runs threaded
    // (scripts/sanitize.sh filters by the same entries).
    let suites = (try? String(contentsOfFile: Context.packageDirectory + "/Tests/ThreadSanitizerSuites", encoding: .utf8)) ?? ""
    let threaded = Set(suites.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        .map { String($0.prefix { $0 != "." }) })
    precondition(!threaded.isEmpty, "Tests/ThreadSanitizerSuites names no test target")
    package.targets.removeAll { $0.type == .test && !threaded.contains($0.name) }
    package.targets.removeAll { ["sfc-bench", "sfc-fuzz", "SFCFuzz"].contains($0.name) }
    package.products.removeAll { $0.name == "sfc-bench" }
}
