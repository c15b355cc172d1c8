// What the dissector produces: the layers of one packet, outermost first,
// each with named fields (named like Wireshark's where that is natural), and
// the RFC violations found on the way.
import SFCCore

public indirect enum FieldValue: Sendable, Equatable {
    case int(Int)
    case string(String)
    case bool(Bool)
    case list([FieldValue])
    case object([Field])
}

public struct Field: Sendable, Equatable {
    public var name: String
    public var value: FieldValue
    public init(_ name: String, _ value: FieldValue) { self.name = name; self.value = value }
}

public struct Layer: Sendable, Equatable {
    /// "ethernet", "ipv4", "ipv6", "hopopts", "routing", "srh", "fragment",
    /// "dstopts", "ah", "gre", "nsh", "vxlan-gpe", "tcp", "udp", "icmp", "icmpv6", "unsupported".
    public var name: String
    public var fields: [Field]
    /// One line for the text output.
    public var summary: String

    public init(name: String, fields: [Field] = [], summary: String = "") {
        self.name = name; self.fields = fields; self.summary = summary
    }

    public subscript(_ field: String) -> FieldValue? { fields.first { $0.name == field }?.value }

    public func int(_ field: String) -> Int? {
        if case let .int(v)? = self[field] { return v }
        return nil
    }

    public func string(_ field: String) -> String? {
        if case let .string(v)? = self[field] { return v }
        return nil
    }

    public func bool(_ field: String) -> Bool? {
        if case let .bool(v)? = self[field] { return v }
        return nil
    }

    public func list(_ field: String) -> [FieldValue]? {
        if case let .list(v)? = self[field] { return v }
        return nil
    }

    mutating func add(_ name: String, _ value: Int) { fields.append(Field(name, .int(value))) }
    mutating func add(_ name: String, _ value: String) { fields.append(Field(name, .string(value))) }
    mutating func add(_ name: String, _ value: Bool) { fields.append(Field(name, .bool(value))) }
    mutating func add(_ name: String, _ value: FieldValue) { fields.append(Field(name, value)) }
}

/// One RFC violation (or a truncated header) found in a packet.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    /// The layer it was found in ("nsh", "srh", ...).
    public var layer: String
    /// Where the rule comes from, e.g. "RFC 8300 s2.2".
    public var reference: String
    public var message: String
    /// The drop reason the dataplane would count it under, when there is one.
    public var reason: DropReason?

    public init(layer: String, reference: String, message: String, reason: DropReason? = nil) {
        self.layer = layer; self.reference = reference; self.message = message; self.reason = reason
    }

    public var description: String { "\(layer): \(message) (\(reference))" }
}

public struct Dissection: Sendable, Equatable {
    public var layers: [Layer] = []
    public var findings: [Violation] = []

    public init(layers: [Layer] = [], findings: [Violation] = []) {
        self.layers = layers; self.findings = findings
    }

    /// The violations as printed: "layer: message (RFC ...)".
    public var violations: [String] { findings.map(\.description) }

    /// The first layer with this name (`nth` counts repeats: 0 = outermost).
    public func layer(_ name: String, _ nth: Int = 0) -> Layer? {
        let matches = layers.filter { $0.name == name }
        return nth < matches.count ? matches[nth] : nil
    }

    public var layerNames: [String] { layers.map(\.name) }
}
