// What the daemon knows about each instance at run time: its state (probes,
// or an operator's `chain-trace instance`) and its current weight. The table
// stage computes the bucket tables from it (only `up` instances take new
// flows); a running dataplane gets the same result in place through
// `LiveInstances` / XDPDataplane.setInstances (docs/PIPELINE.md "Instance
// state, fail mode and flow affinity").

public enum InstanceState: String, Sendable, Equatable, CaseIterable {
    case up, drain, down

    /// SFC_INSTANCE_UP / DRAIN / DOWN of BPF/include/sfc_tables.h.
    public var wireCode: UInt32 {
        switch self {
        case .up: return UInt32(SharedSpec.SFC_INSTANCE_UP)
        case .drain: return UInt32(SharedSpec.SFC_INSTANCE_DRAIN)
        case .down: return UInt32(SharedSpec.SFC_INSTANCE_DOWN)
        }
    }
}

/// Per function name, per instance name: a state and weight that differ
/// from the chain file's (absent: up, with the configured weight). Names,
/// not indices, so it applies unchanged to the next generation.
public struct InstanceLiveness: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var state: InstanceState
        /// nil: the chain file's weight.
        public var weight: Int?
        public init(state: InstanceState = .up, weight: Int? = nil) { self.state = state; self.weight = weight }
    }

    public var entries: [String: [String: Entry]]
    public init(_ entries: [String: [String: Entry]] = [:]) { self.entries = entries }

    public func entry(function: String, instance: String) -> Entry { entries[function]?[instance] ?? Entry() }

    public mutating func set(function: String, instance: String, _ entry: Entry) {
        entries[function, default: [:]][instance] = entry
    }

    /// The states of a function's instances, in instance order.
    public func states(of function: FunctionConfig) -> [InstanceState] {
        function.instances.map { entry(function: function.name, instance: $0.name).state }
    }

    /// Function `f` of `config` and the functions paired with it: its
    /// primary (the one `pairs-with` names, or itself) first, then every
    /// function that pairs with that primary.
    public static func pairGroup(of f: FunctionIndex, in config: CompiledConfig) -> [FunctionIndex] {
        let primary = config.functions[f].pairsWith ?? f
        return [primary] + config.functions.indices.filter { config.functions[$0].pairsWith == primary }
    }

    /// Instance states of function `f` with its pair: instance k is the
    /// same appliance in every function of the group, so it takes the
    /// worst of its states there (down before drain before up).
    public func states(of f: FunctionIndex, in config: CompiledConfig) -> [InstanceState] {
        let group = Self.pairGroup(of: f, in: config)
        func rank(_ s: InstanceState) -> Int { s == .down ? 2 : s == .drain ? 1 : 0 }
        return config.functions[f].instances.indices.map { k in
            group.map { g -> InstanceState in
                let member = config.functions[g]
                return k < member.instances.count ? entry(function: member.name, instance: member.instances[k].name).state : .down
            }.max { rank($0) < rank($1) } ?? .up
        }
    }

    /// The bucket table of function `f` with its pair: the primary's
    /// instance names and weights, the group's combined states.
    public func selector(of f: FunctionIndex, in config: CompiledConfig) -> InstanceSelector {
        let primary = config.functions[f].pairsWith ?? f
        let states = states(of: f, in: config)
        let function = config.functions[primary]
        return InstanceSelector(instances: function.instances.enumerated().map { k, instance in
            let e = entry(function: function.name, instance: instance.name)
            return (instance.name, e.weight ?? instance.weight, k < states.count && states[k] == .up)
        })
    }

    /// The bucket table of a function as these states and weights make it.
    public func selector(of function: FunctionConfig) -> InstanceSelector {
        InstanceSelector(instances: function.instances.map { instance in
            let e = entry(function: function.name, instance: instance.name)
            return (instance.name, e.weight ?? instance.weight, e.state == .up)
        })
    }
}
