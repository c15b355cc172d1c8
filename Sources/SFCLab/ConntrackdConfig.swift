// conntrackd's configuration for a stateful firewall pair, as the lab's
// failover scene and the failover tests run it: FTFW mode (reliable, with
// acknowledgements) over a dedicated sync link, its files under one
// directory. The external cache is off: the peer's connections go straight
// into the kernel's table, so the standby passes them the moment it gets
// the traffic (no commit step on failover), and `conntrack -L` there shows
// them. Only TCP is synchronised; the sync link's own subnet and loopback
// are ignored.
public enum ConntrackdConfig {
    /// - Parameters: `name` names its log, lock and control socket files;
    ///   `address` / `peer` are the two ends of the sync link (interface
    ///   `sync`), `syncSubnet` their prefix.
    public static func ftfw(directory: String, name: String, address: String, peer: String, syncSubnet: String) -> String {
        """
        Sync {
            Mode FTFW {
                DisableExternalCache On
            }
            UDP {
                IPv4_address \(address)
                IPv4_Destination_Address \(peer)
                Port 3780
                Interface sync
                Checksum on
            }
        }
        General {
            HashSize 8192
            HashLimit 65536
            LogFile \(directory)/conntrackd-\(name).log
            Syslog off
            LockFile \(directory)/conntrackd-\(name).lock
            UNIX {
                Path \(directory)/conntrackd-\(name).sock
            }
            NetlinkBufferSize 2097152
            NetlinkBufferSizeMaxGrowth 8388608
            Filter From Kernelspace {
                Protocol Accept {
                    TCP
                }
                Address Ignore {
                    IPv4_address 127.0.0.1
                    IPv4_address \(syncSubnet)
                }
            }
        }

        """
    }
}
