// Before EAL starts: does an installed driver take each virtual device?
// EAL itself only says "failed to parse device" and stops; this names the
// port and lists the drivers that are there.
import CDPDK
import Foundation
import SFCCore

public enum VirtualDevices {
    /// Network drivers EAL can load as plugins (`net_af_packet`, `net_pcap`, ...);
    /// nil when the plugin directory cannot be read (then nothing is checked).
    public static func installedDrivers(directory: String = String(cString: sfc_dpdk_pmd_path())) -> [String]? {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        let drivers = files.compactMap { file -> String? in
            guard file.hasPrefix("librte_net_"), file.hasSuffix(".so") else { return nil }
            return String(file.dropFirst("librte_".count).dropLast(".so".count))
        }
        return drivers.isEmpty ? nil : drivers.sorted()
    }

    /// Throws for the first port whose virtual device no installed driver takes.
    public static func check(portNames: [String], dpdk: DPDKConfig, drivers: [String]?) throws {
        guard let drivers else { return }
        for (i, port) in dpdk.ports.enumerated() {
            guard let port, !port.isPCI else { continue }
            // A vdev's name starts with its driver's name (or the driver's eth_ alias).
            let name = port.name
            let taken = drivers.contains { name.hasPrefix($0) || name.hasPrefix("eth_" + $0.dropFirst("net_".count)) }
            if !taken {
                let portName = i < portNames.count ? portNames[i] : "#\(i)"
                throw DPDKError(.deviceNotFound, "device '\(port.device)' of port '\(portName)' does not exist: no installed DPDK "
                                + "driver is called '\(name.prefix { !$0.isNumber })'. A virtual device is a driver name and a "
                                + "number, e.g. net_af_packet0,iface=eth1; installed network drivers: \(drivers.joined(separator: ", "))")
            }
        }
    }
}
