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
    /// Plain pthreads and nothing else between the thread's creation and the
    /// writes: Foundation's Thread takes locks of its own on start and in
    /// sleep, and on a loaded CPU (the child running only after the main
    /// loop) one such lock ordered the writes and hid the race. Here the only
    /// edges are create (before both loops) and join (after both), so the
    /// writes are unordered however the threads are scheduled.
    @Test func aDataRaceIsReportedUnderThreadSanitizer() {
        guard Self.armed == "thread" else { return }
        let cell = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        cell.initialize(to: 0)
        var thread = pthread_t()
        let made = pthread_create(&thread, nil, { raw in
            let cell = raw!.assumingMemoryBound(to: Int.self)
            for i in 0..<10_000 { cell.pointee = i }
            return nil
        }, cell)
        precondition(made == 0, "pthread_create")
        for i in 0..<10_000 { cell.pointee = -i }
        pthread_join(thread, nil)
        print("canary: no report (cell \(cell.pointee))")
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
