// Reading what the VNFs counted: nftables named counters and the
// per-flow elements of dynamic sets, the seg6local route's counters, the
// kernel's interface statistics. Everything in the report comes from here
// or from the forwarder's own --json counters.
import Foundation

public struct PacketCount: Codable, Sendable, Equatable {
    public var packets: Int
    public var bytes: Int
    public init(packets: Int = 0, bytes: Int = 0) { self.packets = packets; self.bytes = bytes }
}

public enum Readout {
    /// The named counters of `table` (family inet) in namespace `ns`.
    public static func nftCounters(_ ns: String, table: String) throws -> [String: PacketCount] {
        let out = try Shell.check(Shell.inNamespace(ns, ["nft", "-j", "list", "table", "inet", table]))
        guard let root = Shell.json(out) as? [String: Any], let items = root["nftables"] as? [[String: Any]] else {
            throw LabError("nft -j list table inet \(table) in \(ns): not the JSON expected")
        }
        var counters: [String: PacketCount] = [:]
        for item in items {
            guard let c = item["counter"] as? [String: Any], let name = c["name"] as? String else { continue }
            counters[name] = PacketCount(packets: c["packets"] as? Int ?? 0, bytes: c["bytes"] as? Int ?? 0)
        }
        return counters
    }

    /// The elements of a dynamic set with per-element counters: key fields as text.
    public static func nftSet(_ ns: String, table: String, set: String) throws -> [(key: [String], count: PacketCount)] {
        let out = try Shell.check(Shell.inNamespace(ns, ["nft", "-j", "list", "set", "inet", table, set]))
        guard let root = Shell.json(out) as? [String: Any], let items = root["nftables"] as? [[String: Any]] else {
            throw LabError("nft -j list set inet \(table) \(set) in \(ns): not the JSON expected")
        }
        var result: [(key: [String], count: PacketCount)] = []
        for item in items {
            guard let s = item["set"] as? [String: Any] else { continue }
            for element in s["elem"] as? [Any] ?? [] {
                guard let e = (element as? [String: Any])?["elem"] as? [String: Any] else { continue }
                let value = e["val"]
                let parts: [Any] = ((value as? [String: Any])?["concat"] as? [Any]) ?? [value as Any]
                let counter = e["counter"] as? [String: Any]
                result.append((parts.map { "\($0)" }, PacketCount(packets: counter?["packets"] as? Int ?? 0,
                                                                  bytes: counter?["bytes"] as? Int ?? 0)))
            }
        }
        return result
    }

    /// The counters of the seg6local route for `sid` (`count` was given when it was added).
    public static func seg6local(_ ns: String, sid: String) throws -> (count: PacketCount, errors: Int) {
        let out = try Shell.check(["ip", "-n", ns, "-s", "-6", "-j", "route", "show", "\(sid)/128"])
        guard let routes = Shell.json(out) as? [[String: Any]], let route = routes.first,
              let stats = route["stats64"] as? [String: Any] else {
            throw LabError("no seg6local counters for \(sid) in \(ns): \(out)")
        }
        return (PacketCount(packets: stats["packets"] as? Int ?? 0, bytes: stats["bytes"] as? Int ?? 0), stats["errors"] as? Int ?? 0)
    }

    /// rx/tx packets of an interface, as the kernel counts them.
    public static func link(_ ns: String, _ interface: String) throws -> (rx: Int, tx: Int) {
        let out = try Shell.check(["ip", "-n", ns, "-s", "-j", "link", "show", "dev", interface])
        guard let links = Shell.json(out) as? [[String: Any]], let stats = links.first?["stats64"] as? [String: Any] else {
            throw LabError("no statistics for \(interface) in \(ns)")
        }
        return ((stats["rx"] as? [String: Any])?["packets"] as? Int ?? 0, (stats["tx"] as? [String: Any])?["packets"] as? Int ?? 0)
    }

    /// A flow as the report writes it: "tcp 10.0.1.2:40000 -> 10.0.2.2:104" or "icmp 10.0.1.2 -> 10.0.2.2".
    public static func flowName(_ key: [String]) -> String {
        if key.count == 5 { return "\(key[2]) \(key[0]):\(key[3]) -> \(key[1]):\(key[4])" }
        if key.count == 4 { return "\(key[2]) \(key[0]) -> \(key[1]):\(key[3])" }
        if key.count == 3 { return "\(key[2]) \(key[0]) -> \(key[1])" }
        if key.count == 2 { return "icmp \(key[0]) -> \(key[1])" }
        return key.joined(separator: " ")
    }
}
