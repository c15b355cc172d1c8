// The XDP dataplane's instance calls, in one place until SFCXDP has them
// (XDPDataplane.setInstances / sendProbe / probeReplies).
import SFCCore
import SFCXDP

enum XDPInstances {
    static func set(_ dataplane: XDPDataplane, function f: Int, selector: InstanceSelector, states: [InstanceState]) throws {
        throw XDPInstancesMissing()
    }
    static func sendProbe(_ dataplane: XDPDataplane, port: Int, frame: [UInt8]) -> Bool { false }
    static func probeReply(_ dataplane: XDPDataplane, token: Int) -> (sequence: UInt32, count: UInt32) { (0, 0) }
}

struct XDPInstancesMissing: Error, CustomStringConvertible {
    var description: String { "this XDP build cannot change instance states in place" }
}
