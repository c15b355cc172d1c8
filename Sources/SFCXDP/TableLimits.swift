// A config the BPF maps cannot hold is refused before anything is written,
// with the limit it broke and the constant in BPF/include/sfc_tables.h.
import CLibBPF
import SFCCore

enum TableLimits {
    static func check(_ tables: ForwardingTables) throws {
        func limit(_ count: Int, _ max: Int32, _ what: String, _ constant: String) throws {
            guard count <= Int(max) else {
                throw XDPError(.configTooLarge, "\(what): \(count), but the XDP dataplane holds at most \(max) (\(constant) in BPF/include/sfc_tables.h)")
            }
        }
        try limit(tables.ports.count, SFC_MAX_PORTS, "ports", "SFC_MAX_PORTS")
        try limit(tables.hmacKeys.count, SFC_MAX_HMAC_KEYS, "SRv6 HMAC keys", "SFC_MAX_HMAC_KEYS")
        try limit(tables.chains.count, SFC_MAX_CHAINS, "chains", "SFC_MAX_CHAINS")
        try limit(tables.functions.count, SFC_MAX_FUNCTIONS, "functions", "SFC_MAX_FUNCTIONS")
        for chain in tables.chains {
            try limit(chain.config.hops.count, SFC_MAX_HOPS, "hops in chain \(chain.config.name)", "SFC_MAX_HOPS")
            try limit(chain.contextBytes.count, SFC_MAX_CONTEXT, "NSH context bytes of chain \(chain.config.name)", "SFC_MAX_CONTEXT")
        }
        for function in tables.functions {
            try limit(function.config.instances.count, SFC_MAX_INSTANCES, "instances of function \(function.config.name)",
                      "SFC_MAX_INSTANCES")
        }
        try limit(tables.localSIDs.count, SFC_MAX_SIDS, "local SIDs", "SFC_MAX_SIDS")
        try limit(tables.returns.count, SFC_MAX_RETURNS, "proxy return entries", "SFC_MAX_RETURNS")
        try limit(tables.nshPaths.count, SFC_MAX_PATHS, "NSH (SPI, SI) entries", "SFC_MAX_PATHS")
        try limit(tables.routeEntries4.count, SFC_MAX_ROUTES, "IPv4 routes", "SFC_MAX_ROUTES")
        try limit(tables.routeEntries6.count, SFC_MAX_ROUTES, "IPv6 routes (with sr-aware host routes)", "SFC_MAX_ROUTES")
        try limit(tables.hopCounterCount, SFC_MAX_HOP_COUNTERS, "hop counters (hops + 1 per chain)", "SFC_MAX_HOP_COUNTERS")
        try limit(tables.instanceCounterCount, SFC_MAX_INSTANCE_COUNTERS, "instance counters", "SFC_MAX_INSTANCE_COUNTERS")
        try limit(tables.cacheSlots, SFC_MAX_PROXY_CACHES, "End.AD proxy instances", "SFC_MAX_PROXY_CACHES")
        try limit(tables.nshProxyStateSlots / Int(SFC_NSH_PROXY_FLOWS), SFC_MAX_NSH_PROXY_BLOCKS,
                  "return attachments of NSH-unaware instances", "SFC_MAX_NSH_PROXY_BLOCKS")
        for port in tables.ports where port.mtu > Int(UInt16.max) {
            throw XDPError(.configTooLarge, "port \(port.name): mtu \(port.mtu) does not fit the 16-bit field of struct sfc_port")
        }
    }
}
