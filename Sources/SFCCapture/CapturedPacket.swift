// One packet as a capture file holds it.

public struct CapturedPacket: Sendable, Equatable {
    /// Time since the Unix epoch, in nanoseconds.
    public var timestampNanoseconds: UInt64
    /// LINKTYPE_* value of the interface the packet was captured on (1 = Ethernet).
    public var linkType: UInt32
    /// The captured bytes (possibly fewer than `originalLength`).
    public var bytes: [UInt8]
    /// Length of the packet on the wire.
    public var originalLength: Int

    public init(timestampNanoseconds: UInt64, linkType: UInt32 = LinkType.ethernet, bytes: [UInt8], originalLength: Int? = nil) {
        self.timestampNanoseconds = timestampNanoseconds
        self.linkType = linkType
        self.bytes = bytes
        self.originalLength = originalLength ?? bytes.count
    }

    /// True when the capture kept fewer bytes than the packet had (snap length).
    public var isSnapped: Bool { bytes.count < originalLength }
}

/// LINKTYPE_* values (tcpdump.org link-layer header types) the decoder knows.
public enum LinkType {
    public static let null: UInt32 = 0
    public static let ethernet: UInt32 = 1
    public static let raw: UInt32 = 101
    public static let ipv4: UInt32 = 228
    public static let ipv6: UInt32 = 229
}
