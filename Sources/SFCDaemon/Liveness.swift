// Instance liveness in the daemon (DESIGN.md "The control plane"): every
// instance of a function with a `health:` section is probed through the
// function the way traffic goes (SFCCore ProbeFrames), and decided up or
// down from what comes back (misses in a row -> down, rise good probes in a
// row -> up; a negative heartbeat seen back -> down, the function failed
// open). An operator can set any instance up, down, drain or a weight
// (`chain-trace instance`); a state set by hand holds until set `up` again,
// which hands the instance back to its probes. The outcome reaches the
// dataplane as table data (DataplaneDriver.setInstances), never a reload.
import Foundation
import Logging
import SFCCore

package final class Liveness: @unchecked Sendable {
    package struct Key: Hashable { var function: String; var instance: String }

    package struct Tracker {
        var probed: Bool
        var unprobeable: String?
        /// What the probes say (up until they say otherwise).
        var probeState: InstanceState = .up
        /// Set by hand: holds until the operator sets `up`.
        var manual: InstanceState?
        var weight: Int?
        var reason: String = "configured"
        var token: UInt32 = 0
        var negativeToken: UInt32?
        var sent: UInt32 = 0
        /// A probe was due last round (sent or not).
        var attempted = false
        /// ... and it left (the dataplane took the frame).
        var awaiting = false
        /// Probes the dataplane could not send (no buffer, no interface):
        /// each counts as a miss, since nothing proves the instance alive.
        var sendFailures: UInt64 = 0
        var negativeCount: UInt32 = 0
        /// The replies map was read once before the first probe: on XDP it
        /// may be pinned from an earlier run, whose sequences and counts
        /// must not read as this run's replies.
        var baselined = false
        var misses = 0
        var goods = 0
        var transitions: UInt64 = 0
        var changed = Date()
        var lastReply: Date?
        var nextProbe = Date.distantPast
        var effective: InstanceState { manual ?? probeState }
    }

    private(set) var trackers: [Key: Tracker] = [:]
    private var tokens: [String: UInt32] = [:]
    private var nextToken: UInt32 = 0
    /// (time, function, instance, from, to, reason): the last state changes.
    private(set) var events: [(Date, String, String, InstanceState, InstanceState, String)] = []

    /// The liveness the next generation's tables are built with.
    package var liveness: InstanceLiveness {
        var l = InstanceLiveness()
        for (k, t) in trackers where t.effective != .up || t.weight != nil {
            l.set(function: k.function, instance: k.instance, .init(state: t.effective, weight: t.weight))
        }
        return l
    }

    private func token(_ name: String) -> UInt32? {
        if let t = tokens[name] { return t }
        guard nextToken < UInt32(SharedSpec.SFC_MAX_PROBES) else { return nil }
        tokens[name] = nextToken
        nextToken += 1
        return nextToken - 1
    }

    /// Takes a (new) generation's functions and instances: keeps what it
    /// knows of instances that stay, starts new ones up, forgets the rest.
    package func adopt(_ tables: ForwardingTables) {
        var next: [Key: Tracker] = [:]
        for (f, function) in tables.functions.enumerated() {
            for (i, instance) in function.config.instances.enumerated() {
                let key = Key(function: function.config.name, instance: instance.name)
                let why = function.config.health == nil ? nil : ProbeFrames.unprobeable(tables, function: f, instance: i)
                var t = trackers[key] ?? Tracker(probed: false)
                t.probed = function.config.health != nil && why == nil
                t.unprobeable = why
                if t.probed {
                    if let positive = token("\(key.function)/\(key.instance)/+") {
                        let negative = function.config.health?.negative == nil ? nil : token("\(key.function)/\(key.instance)/-")
                        if positive != t.token || negative != t.negativeToken { t.baselined = false }
                        t.token = positive
                        t.negativeToken = negative
                    } else {
                        t.probed = false
                        t.unprobeable = "more than \(SharedSpec.SFC_MAX_PROBES) probe tokens on this node"
                    }
                }
                if !t.probed {
                    t.probeState = .up
                    t.awaiting = false
                    t.attempted = false
                }
                next[key] = t
            }
        }
        trackers = next
    }

    /// Sets an instance by hand. nil state with a weight: only the weight.
    package func set(_ key: Key, state: InstanceState?, weight: Int?, now: Date = Date()) -> (from: InstanceState, to: InstanceState)? {
        guard var t = trackers[key] else { return nil }
        let from = t.effective
        if let state {
            t.manual = state == .up ? nil : state
            t.reason = state == .up ? (t.probed ? "operator (probes decide)" : "operator") : "operator"
            if state == .up { t.probeState = t.probed ? t.probeState : .up }
        }
        if let weight { t.weight = weight }
        if t.effective != from { t.transitions += 1; t.changed = now; record(now, key, from, t.effective, t.reason) }
        trackers[key] = t
        return (from, t.effective)
    }

    private func record(_ now: Date, _ key: Key, _ from: InstanceState, _ to: InstanceState, _ reason: String) {
        events.append((now, key.function, key.instance, from, to, reason))
        if events.count > 64 { events.removeFirst(events.count - 64) }
    }

    /// One round: reads what came back of each due instance's last probe,
    /// decides, and sends the next. Returns the functions whose effective
    /// states changed (their tables need the update).
    package func probeRound(tables: ForwardingTables, now: Date, driver: DataplaneDriver, logger: Logger) -> Set<Int> {
        var changed: Set<Int> = []
        for (f, function) in tables.functions.enumerated() {
            guard let health = function.config.health else { continue }
            for (i, instance) in function.config.instances.enumerated() {
                let key = Key(function: function.config.name, instance: instance.name)
                guard var t = trackers[key], t.probed, now >= t.nextProbe else { continue }
                let before = t.effective
                if !t.baselined {
                    t.sent = driver.probeReply(token: Int(t.token)).sequence
                    if let neg = t.negativeToken { t.negativeCount = driver.probeReply(token: Int(neg)).count }
                    t.baselined = true
                }
                if t.attempted {
                    let reply = driver.probeReply(token: Int(t.token))
                    if t.awaiting && reply.sequence == t.sent && reply.count > 0 {
                        t.lastReply = now; t.misses = 0; t.goods += 1
                        if t.probeState == .down && t.goods >= health.rise {
                            t.probeState = .up; t.reason = "\(health.rise) probes came back"
                        }
                    } else {
                        t.goods = 0; t.misses += 1
                        if t.probeState == .up && t.misses >= health.misses {
                            t.probeState = .down; t.reason = "\(health.misses) probes missed"
                            // Never one back since this run began: most likely the
                            // function does not pass (or route back) the probe.
                            if t.lastReply == nil {
                                t.reason += "; none has come back since the daemon started: does the function pass "
                                    + "\(health.probe.text) and send it back to this node?"
                            }
                        }
                    }
                    if let neg = t.negativeToken {
                        let n = driver.probeReply(token: Int(neg)).count
                        if n != t.negativeCount {
                            t.negativeCount = n; t.goods = 0
                            t.probeState = .down; t.reason = "negative heartbeat came back: the function passes what it must drop"
                        }
                    }
                }
                t.sent &+= 1
                t.attempted = false
                t.awaiting = false
                if let frame = ProbeFrames.frame(tables, function: f, instance: i, tuple: health.probe, token: t.token, sequence: t.sent) {
                    t.attempted = true
                    t.awaiting = driver.sendProbe(port: frame.port, frame: frame.bytes)
                    if !t.awaiting {
                        if t.sendFailures == 0 {
                            logger.warning("instance \(key.function)/\(key.instance): a probe could not be sent (port \(frame.port)); each one that cannot counts as missed")
                        }
                        t.sendFailures += 1
                    }
                }
                if let negative = health.negative, let neg = t.negativeToken,
                   let frame = ProbeFrames.frame(tables, function: f, instance: i, tuple: negative, token: neg, sequence: t.sent) {
                    _ = driver.sendProbe(port: frame.port, frame: frame.bytes)
                }
                t.nextProbe = now.addingTimeInterval(Double(health.intervalMilliseconds) / 1000)
                if t.effective != before {
                    t.transitions += 1; t.changed = now
                    record(now, key, before, t.effective, t.reason)
                    logger.warning("instance \(key.function)/\(key.instance): \(before.rawValue) -> \(t.effective.rawValue) (\(t.reason))")
                    changed.insert(f)
                }
                trackers[key] = t
            }
        }
        return changed
    }

    /// The shortest probe interval (how often the prober wakes), nil: nothing probed.
    package func interval(_ tables: ForwardingTables) -> Double? {
        let ms = tables.functions.compactMap { $0.config.health?.intervalMilliseconds }.min()
        return ms.map { Double($0) / 1000 }
    }

    package func object(_ key: Key) -> [String: Any] {
        guard let t = trackers[key] else { return [:] }
        var o: [String: Any] = ["state": t.effective.rawValue, "reason": t.reason, "probed": t.probed,
                                "transitions": t.transitions, "since": t.changed.ISO8601Format()]
        if let manual = t.manual { o["set_by_operator"] = manual.rawValue }
        if let why = t.unprobeable { o["not_probed"] = why }
        if t.probed {
            o["probe"] = ["sent": t.sent, "misses_in_a_row": t.misses, "good_in_a_row": t.goods, "send_failures": t.sendFailures,
                          "state": t.probeState.rawValue] as [String: Any]
            if let r = t.lastReply { o["last_reply_seconds_ago"] = Date().timeIntervalSince(r) }
        }
        return o
    }
}
