// The sanitizer build's own proof that it can fail: with SFC_SANITIZER_CANARY
// set, these tests make the mistake their sanitizer exists to catch, and
// scripts/sanitize.sh runs them expecting the report and the abort. A build
// that lost its instrumentation (a flag dropped, a target no longer
// instrumented, halt_on_error off) then fails `make test-sanitize` instead
// of passing it silently. Without the variable they do nothing, in every build.
// (In SFCForwarderTests/Control because that is the one directory both
// sanitizer graphs keep; Package.swift, SFC_SANITIZE.)
import Foundation
import Testing

@Suite struct SanitizerCanaryTests {
    static var armed: String? { ProcessInfo.processInfo.environment["SFC_SANITIZER_CANARY"] }

    /// ThreadSanitizer: two threads write one word with nothing ordering them.
    @Test func aDataRaceIsReportedUnderThreadSanitizer() {
        guard Self.armed == "thread" else { return }
        final class Cell: @unchecked Sendable { var value = 0 }
        let cell = Cell()
        let other = Thread { for i in 0..<100_000 { cell.value = i } }
        other.start()
        for i in 0..<100_000 { cell.value = -i }
        Thread.sleep(forTimeInterval: 0.5)
        print("canary: no report (cell \(cell.value))")
    }

    /// AddressSanitizer: a write one element past a heap allocation.
    @Test func aHeapOverflowIsReportedUnderAddressSanitizer() {
        guard Self.armed == "address" else { return }
        let cells = UnsafeMutablePointer<UInt8>.allocate(capacity: 16)
        cells.initialize(repeating: 0, count: 16)
        (cells + 16).pointee = 1
        print("canary: no report (\(cells[0]))")
    }
}
