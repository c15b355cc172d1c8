// swift-tools-version:6.0
import PackageDescription

// Module map (see docs/ARCHITECTURE.md):
//   SFCCore     pure Swift: header views, forwarding tables, the packet pipeline
//   SFCConfig   YAML chain files -> validated CompiledConfig, with diagnostics
//   SFCCapture  pcap / pcapng reading and writing
//   SFCTrace    what chain-trace does (check, simulate, decode), as a library
//   SFCForwarder the daemon's commands (replay; the dataplanes plug in here)
//   chain-trace the debugging CLI
//   sfc-forwarder the daemon
let package = Package(
    name: "sfc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "chain-trace", targets: ["chain-trace"]),
        .executable(name: "sfc-forwarder", targets: ["sfc-forwarder"]),
        .library(name: "SFCCore", targets: ["SFCCore"]),
        .library(name: "SFCConfig", targets: ["SFCConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "SFCCore"),
        .target(name: "SFCCapture"),
        .target(name: "SFCConfig", dependencies: ["SFCCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "SFCTrace", dependencies: ["SFCCore", "SFCConfig", "SFCCapture"]),
        .target(name: "SFCForwarder", dependencies: ["SFCCore", "SFCConfig", "SFCCapture", "SFCTrace"]),
        .executableTarget(
            name: "sfc-forwarder",
            dependencies: ["SFCForwarder", "SFCTrace", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "chain-trace",
            dependencies: ["SFCTrace", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "SFCCoreTests", dependencies: ["SFCCore"]),
        .testTarget(name: "SFCConfigTests", dependencies: ["SFCConfig"]),
        .testTarget(name: "SFCCaptureTests", dependencies: ["SFCCapture"]),
        .testTarget(name: "SFCTraceTests", dependencies: ["SFCTrace", "SFCConfig", "SFCCore", "SFCCapture"]),
        .testTarget(name: "SFCForwarderTests", dependencies: ["SFCForwarder", "SFCTrace", "SFCConfig", "SFCCore", "SFCCapture"]),
    ]
)
