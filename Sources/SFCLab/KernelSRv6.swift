// What the running kernel offers for SRv6. Debian's kernels build seg6 in,
// but a kernel may leave it out (CONFIG_IPV6_SEG6_LWTUNNEL: `encap seg6`
// and `seg6local`; CONFIG_IPV6_SEG6_HMAC: `ip sr hmac`), and then every
// `ip route ... encap seg6` fails with "lwt encapsulation type not
// supported". Probed once, by trying, in a namespace of its own that is
// removed again; the lab's kernel SR endpoints and the interop tests ask
// here first so that they can say what is missing.
import Foundation

public enum KernelSRv6 {
    public struct Support: Sendable {
        /// `encap seg6` and `encap seg6local` routes.
        public var lwtunnel: Bool
        /// `ip sr hmac set` (the kernel's HMAC key table).
        public var hmac: Bool
    }

    public static let support: Support = probe()

    /// What is missing, for a message; nil when nothing is.
    public static func missing(hmac needHMAC: Bool = false) -> String? {
        var gone: [String] = []
        if !support.lwtunnel { gone.append("seg6 routes (CONFIG_IPV6_SEG6_LWTUNNEL)") }
        if needHMAC && !support.hmac { gone.append("seg6 HMAC (CONFIG_IPV6_SEG6_HMAC)") }
        if gone.isEmpty { return nil }
        return "this kernel (\(release)) has no " + gone.joined(separator: " and ")
    }

    static var release: String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    static func probe() -> Support {
        let ns = "sfc-seg6-probe-\(getpid())"
        Shell.run(["ip", "netns", "del", ns], timeout: 10)
        guard Shell.run(["ip", "netns", "add", ns], timeout: 10).status == 0 else { return Support(lwtunnel: false, hmac: false) }
        defer { Shell.run(["ip", "netns", "del", ns], timeout: 10) }
        Shell.run(["ip", "-n", ns, "link", "set", "lo", "up"], timeout: 10)
        let encap = Shell.run(["ip", "-n", ns, "-6", "route", "add", "fc00:5e6::/64", "encap", "seg6", "mode", "encap",
                               "segs", "fc00:5e6::1", "dev", "lo"], timeout: 10).status == 0
        let local = Shell.run(["ip", "-n", ns, "-6", "route", "add", "fc00:5e7::e/128", "encap", "seg6local", "action", "End",
                               "dev", "lo"], timeout: 10).status == 0
        let hmac = Shell.run(["ip", "netns", "exec", ns, "sh", "-c", "printf 'probe secret\\n' | ip sr hmac set 77 sha256"],
                             timeout: 10).status == 0
        return Support(lwtunnel: encap && local, hmac: hmac)
    }
}
