// Tests that need the kernel's own SRv6 (seg6 routes as headend or
// endpoint, `ip sr hmac`) ask here first. A kernel built without it
// (SFCLab/KernelSRv6.swift) is the machine's, not a fault of ours: the test
// says so on stdout and does not run, unless SFC_REQUIRE_KERNEL_SRV6=1 makes
// that a failure (for a machine that is known to have seg6).
import Foundation
import SFCLab
import Testing

enum KernelSRv6Ready {
    static func ready(hmac: Bool = false, for what: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard let missing = KernelSRv6.missing(hmac: hmac) else { return true }
        let message = "\(what) not run: \(missing); Debian's kernels have it"
        if ProcessInfo.processInfo.environment["SFC_REQUIRE_KERNEL_SRV6"] == "1" {
            Issue.record(Comment(rawValue: message + " (SFC_REQUIRE_KERNEL_SRV6=1)"), sourceLocation: sourceLocation)
        } else {
            print("SKIPPED: " + message)
        }
        return false
    }
}
