// sfc-fuzz: the fuzz targets of SFCFuzz in one binary.
// - Built with `-sanitize=fuzzer,address -D SFC_FUZZ` (`make fuzz`, its own
//   build directory): libFuzzer drives the target SFC_FUZZ_TARGET names,
//   e.g. `SFC_FUZZ_TARGET=pipeline sfc-fuzz Tests/Fuzz/pipeline -max_total_time=60`.
// - Built normally: `sfc-fuzz TARGET FILE|DIR...` replays inputs (what
//   `make test` does with the committed seed corpora, Tests/Fuzz/<target>).
import Foundation
import SFCFuzz

// Set once, before libFuzzer runs its first input (one thread).
nonisolated(unsafe) var chosen: @Sendable ([UInt8]) -> Void = { _ in }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    chosen(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

func target(named name: String?) -> @Sendable ([UInt8]) -> Void {
    guard let name, let t = FuzzTargets.all[name] else {
        FileHandle.standardError.write(Data("sfc-fuzz: name a target (\(FuzzTargets.all.keys.sorted().joined(separator: ", ")))\n".utf8))
        exit(2)
    }
    return t
}

#if SFC_FUZZ
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point as <module>_main; libFuzzer's
/// own driver runs from here.
@_cdecl("sfc_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    chosen = target(named: ProcessInfo.processInfo.environment["SFC_FUZZ_TARGET"])
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, fuzzOneInput)
}
#else
@main struct Replay {
    static func main() {
        let args = Array(CommandLine.arguments.dropFirst())
        let t = target(named: args.first)
        let n = FuzzTargets.replay(Array(args.dropFirst()), t)
        print("sfc-fuzz: \(args.first ?? "?"): \(n) inputs replayed, every invariant held")
    }
}
#endif
