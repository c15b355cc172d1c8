// Logical ports on DPDK ports: find the device EAL created for each, give it
// one RX/TX queue pair per forwarding lcore (RX spread by RSS when the
// device has it, else a single RX queue), start, stop and close it.
import CDPDK
import SFCCore

public struct DPDKPort: Sendable, Equatable {
    /// Index in CompiledConfig.ports.
    public var logical: Int
    public var logicalName: String
    /// DPDK's name for the device (vdev name or PCI address).
    public var deviceName: String
    public var id: UInt16
    public var driver: String
    public var rxQueues: Int
    public var txQueues: Int
    public var rss: Bool
}

public enum PortSetup {
    /// Every logical port needs a device; checked before EAL starts.
    public static func checkDevices(portNames: [String], dpdk: DPDKConfig) throws {
        for (i, name) in portNames.enumerated() where i >= dpdk.ports.count || dpdk.ports[i] == nil {
            throw DPDKError(.portWithoutDevice, "port '\(name)' has no DPDK device: give it one in the chain file's dpdk section "
                            + "(a PCI address such as 0000:01:00.0, or a virtual device such as net_af_packet0,iface=eth1), "
                            + "or on the command line with --device \(name)=DEVICE")
        }
    }

    /// Finds the DPDK port EAL created for the device of `logical`.
    public static func lookup(logical: Int, logicalName: String, device: DPDKPortConfig) throws -> (UInt16, sfc_dpdk_port_info) {
        var id: UInt16 = 0
        guard sfc_dpdk_port_by_name(device.name, &id) == 0 else {
            let hint = device.isPCI
                ? "no such PCI device, or it is not bound to a DPDK-capable driver (check `dpdk-devbind.py --status`; vfio-pci or uio_pci_generic)"
                : "DPDK created no port named '\(device.name)': check the driver name (net_af_packet, net_af_xdp, net_tap, net_memif, "
                  + "net_pcap, net_ring, net_null followed by a number) and its arguments; DPDK's log lines above say what it rejected"
            throw DPDKError(.deviceNotFound, "device '\(device.device)' of port '\(logicalName)' does not exist: \(hint)")
        }
        var info = sfc_dpdk_port_info()
        let ret = sfc_dpdk_port_info(id, &info)
        guard ret == 0 else {
            throw DPDKError(.portSetup, "cannot read device info of '\(device.name)' (port '\(logicalName)'): \(errorText(ret))")
        }
        return (id, info)
    }

    /// Configures queues (one pair per lcore) and starts the port.
    public static func configure(logical: Int, logicalName: String, deviceName: String, id: UInt16, info: sfc_dpdk_port_info,
                                 lcores: Int, rxDescriptors: Int, txDescriptors: Int, pool: Mempool) throws -> DPDKPort {
        let driver = withUnsafeBytes(of: info.driver) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let where_ = "device '\(deviceName)' (port '\(logicalName)', driver \(driver))"
        guard Int(info.max_tx_queues) >= lcores else {
            throw DPDKError(.portSetup, "\(where_) has \(info.max_tx_queues) TX queue(s) but \(lcores) lcores forward, each needing "
                            + "its own: use at most \(info.max_tx_queues) lcore(s), or a device with more queues")
        }
        let rssTypes = info.rss_offloads & sfc_dpdk_rss_hf_ip_tcp_udp()
        let rxQueues = rssTypes != 0 ? min(lcores, max(1, Int(info.max_rx_queues))) : 1
        var ret = sfc_dpdk_port_configure(id, UInt16(rxQueues), UInt16(lcores), rxQueues > 1 ? rssTypes : 0)
        guard ret == 0 else { throw DPDKError(.portSetup, "cannot configure \(where_): \(errorText(ret))") }
        var rxd = UInt16(clamping: rxDescriptors), txd = UInt16(clamping: txDescriptors)
        _ = sfc_dpdk_port_adjust_descriptors(id, &rxd, &txd)
        let socket = sfc_dpdk_port_socket(id)
        let queueSocket = socket < 0 ? UInt32.max : UInt32(socket)  // UInt32.max is SOCKET_ID_ANY
        for q in 0..<rxQueues {
            ret = sfc_dpdk_rx_queue_setup(id, UInt16(q), rxd, queueSocket, pool.pointer)
            guard ret == 0 else { throw DPDKError(.portSetup, "cannot set up RX queue \(q) of \(where_): \(errorText(ret))") }
        }
        for q in 0..<lcores {
            ret = sfc_dpdk_tx_queue_setup(id, UInt16(q), txd, queueSocket)
            guard ret == 0 else { throw DPDKError(.portSetup, "cannot set up TX queue \(q) of \(where_): \(errorText(ret))") }
        }
        ret = sfc_dpdk_port_start(id)
        guard ret == 0 else { throw DPDKError(.portSetup, "cannot start \(where_): \(errorText(ret))") }
        _ = sfc_dpdk_port_promiscuous(id)  // not every virtual device supports it; forwarding does not depend on it
        return DPDKPort(logical: logical, logicalName: logicalName, deviceName: deviceName, id: id, driver: driver,
                        rxQueues: rxQueues, txQueues: lcores, rss: rxQueues > 1)
    }

    public static func stop(_ port: DPDKPort) { _ = sfc_dpdk_port_stop(port.id) }

    public static func close(_ port: DPDKPort) { _ = sfc_dpdk_port_close(port.id) }

    static func errorText(_ ret: Int32) -> String {
        String(cString: sfc_dpdk_strerror(ret < 0 ? -ret : ret))
    }
}
