// `pairs-with:`: a function whose instances are the same appliances as
// another's (instance k is instance k there): it names an existing
// function, not itself, one that pairs with nothing (one level), with as
// many instances and the same weights; its affinity-idle is the other's.
import SFCCore

struct ValidatorPairs {
    let spec: ChainFileSpec
    let sink: DiagnosticSink

    func run() {
        for function in spec.functions {
            guard let pair = function.pairsWith else { continue }
            let me = function.name?.value ?? "?"
            guard let other = spec.functions.first(where: { $0.name?.value == pair.value }) else {
                sink.error("function '\(me)' pairs with '\(pair.value)', which is not a function of this file", at: pair.position)
                continue
            }
            if pair.value == me {
                sink.error("function '\(me)' cannot pair with itself", at: pair.position)
                continue
            }
            if let second = other.pairsWith {
                sink.error("function '\(me)' pairs with '\(pair.value)', which pairs with '\(second.value)' itself: "
                           + "name '\(second.value)' here (pairs are one level)", at: pair.position)
                continue
            }
            if other.instances.count != function.instances.count {
                sink.error("function '\(me)' has \(function.instances.count) instance(s) and '\(pair.value)' has "
                           + "\(other.instances.count): instance k of one is instance k of the other, so they need as many",
                           at: pair.position)
                continue
            }
            for (k, (mine, theirs)) in zip(function.instances, other.instances).enumerated() where mine.weight != theirs.weight {
                sink.error("instance \(k + 1) '\(mine.name?.value ?? "?")' has weight \(mine.weight) but its pair "
                           + "'\(theirs.name?.value ?? "?")' of '\(pair.value)' has \(theirs.weight): one appliance, one weight",
                           at: mine.position)
            }
            if let idle = function.affinityIdle {
                sink.error("'affinity-idle' is the paired function's ('\(pair.value)'): a flow has one entry for both",
                           at: idle.position)
            }
        }
    }
}
