// The CPUs this process may run on: the DPDK forwarder of the lab (and of
// the end-to-end tests) gets the last one as its lcore.
import Foundation

public enum CPUAffinity {
    /// Cpus_allowed_list of /proc/self/status, ascending.
    public static func allowed() -> [Int] {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return [] }
        var cpus: [Int] = []
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if let low = bounds.first, let high = bounds.last, low <= high { cpus += Array(low...high) }
        }
        return cpus.sorted()
    }
}
