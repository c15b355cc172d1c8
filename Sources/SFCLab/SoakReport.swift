// What a soak run measured (sfc-lab soak, README "Soak"): one row a minute,
// the outages, the end, the traffic generator's own counts; encoded as JSON
// (bench/results/soak-DATAPLANE.json) and rendered as text (SoakText).
import Foundation

/// One minute: what the forwarder's counters moved by, the outages that
/// started in it, and what the forwarder process held at its end.
public struct SoakMinute: Codable, Sendable, Equatable {
    public var minute: Int
    /// Seconds since the traffic started, at the sample.
    public var end: Double
    public var counters: SoakCounters
    public var sent: Int
    public var delivered: Int
    public var drops: [String: Int]
    /// sent - delivered - drops: packets no counter took (in flight at a sample, or lost).
    public var lost: Int
    /// The vnfs that lost their links in this minute.
    public var outages: [String]
    /// What the forwarder sent those instances from just before their links
    /// went down until it had them down (the most an outage can lose).
    public var outagePackets: Int
    public var process: ProcessStats
    public var reloads: Int
    public var reloadsFailed: Int
    public var queries: Int
    public var queriesFailed: Int
    public var generation: Int

    public init(minute: Int, end: Double, counters: SoakCounters, outages: [String], outagePackets: Int, process: ProcessStats,
                reloads: Int, reloadsFailed: Int, queries: Int, queriesFailed: Int, generation: Int) {
        self.minute = minute; self.end = end; self.counters = counters
        sent = counters.sent; delivered = counters.delivered; drops = counters.drops; lost = counters.lost
        self.outages = outages; self.outagePackets = outagePackets; self.process = process
        self.reloads = reloads; self.reloadsFailed = reloadsFailed; self.queries = queries; self.queriesFailed = queriesFailed
        self.generation = generation
    }
}

/// One vnf losing its links and getting them back.
public struct SoakOutage: Codable, Sendable, Equatable {
    public var vnf: String
    public var minute: Int
    /// Seconds since the traffic started.
    public var downAt: Double
    /// Links down -> every instance of the vnf down in the forwarder (GET /v1/instances, as polled).
    public var detectedAfter: Double?
    public var upAt: Double?
    /// Links up -> every instance of the vnf up again in the forwarder.
    public var backAfter: Double?
    /// What the forwarder sent the vnf's instances from just before its links went down until it had them down.
    public var packets: Int

    public init(vnf: String, minute: Int, downAt: Double, detectedAfter: Double? = nil, upAt: Double? = nil,
                backAfter: Double? = nil, packets: Int = 0) {
        self.vnf = vnf; self.minute = minute; self.downAt = downAt; self.detectedAfter = detectedAfter
        self.upAt = upAt; self.backAfter = backAfter; self.packets = packets
    }
}

/// What soak_udp.py counted: the client's datagrams, the server's, the echoes back.
public struct SoakTraffic: Codable, Sendable, Equatable {
    public var clientSent: Int
    public var serverReceived: Int
    public var serverEchoed: Int
    public var clientReceived: Int
    public var flows: Int
    public var sendErrors: Int
    /// What the hosts' kernels received on eth0 (between the forwarder's delivery and the socket).
    public var serverKernelReceived: Int?
    public var clientKernelReceived: Int?

    public init(clientSent: Int, serverReceived: Int, serverEchoed: Int, clientReceived: Int, flows: Int, sendErrors: Int,
                serverKernelReceived: Int? = nil, clientKernelReceived: Int? = nil) {
        self.clientSent = clientSent; self.serverReceived = serverReceived; self.serverEchoed = serverEchoed
        self.clientReceived = clientReceived; self.flows = flows; self.sendErrors = sendErrors
        self.serverKernelReceived = serverKernelReceived; self.clientKernelReceived = clientKernelReceived
    }
}

/// After the last minute: was the forwarder still there, and its counters once the traffic stopped.
public struct SoakEnd: Codable, Sendable, Equatable {
    public var running: Bool
    /// GET /v1/status answered after the last minute.
    public var answered: Bool
    /// SIGTERM: exit 0 and its final counters printed.
    public var stoppedCleanly: Bool
    public var stopError: String?
    public var firstGeneration: Int
    public var lastGeneration: Int
    /// The counters once the traffic stopped and no link moved (nothing in flight).
    public var totals: SoakCounters
    /// The chain client -> server and the one back (the generator's counts are compared with them).
    public var forwardChain: String
    public var returnChain: String

    public init(running: Bool, answered: Bool, stoppedCleanly: Bool, stopError: String? = nil, firstGeneration: Int,
                lastGeneration: Int, totals: SoakCounters, forwardChain: String, returnChain: String) {
        self.running = running; self.answered = answered; self.stoppedCleanly = stoppedCleanly; self.stopError = stopError
        self.firstGeneration = firstGeneration; self.lastGeneration = lastGeneration; self.totals = totals
        self.forwardChain = forwardChain; self.returnChain = returnChain
    }
}

public struct SoakResult: Codable, Sendable {
    public var dataplane: String
    public var config: String
    public var node: String
    /// When the traffic started (ISO 8601), and on what.
    public var started: String
    public var machine: String
    public var options: SoakOptions
    public var criteria: SoakCriteria
    /// The probed function whose instances go down, and the vnfs serving it (taken down in turn).
    public var function: String
    public var pair: [String]
    public var minutes: [SoakMinute]
    public var outages: [SoakOutage]
    public var end: SoakEnd
    public var traffic: SoakTraffic?
    public var checks: [LabReport.Check] = []
    public var ok = false

    public init(dataplane: String, config: String, node: String, started: String, machine: String, options: SoakOptions,
                criteria: SoakCriteria = SoakCriteria(), function: String, pair: [String], minutes: [SoakMinute],
                outages: [SoakOutage], end: SoakEnd, traffic: SoakTraffic?) {
        self.dataplane = dataplane; self.config = config; self.node = node; self.started = started; self.machine = machine
        self.options = options; self.criteria = criteria; self.function = function; self.pair = pair
        self.minutes = minutes; self.outages = outages; self.end = end; self.traffic = traffic
    }

    /// Sets the checks and the verdict.
    public mutating func judge() {
        checks = SoakJudge(criteria: criteria).checks(self)
        ok = !checks.isEmpty && checks.allSatisfy(\.ok)
    }

    public var text: String { SoakText(result: self).render() }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self) + "\n"
    }
}
