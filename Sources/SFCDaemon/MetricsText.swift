// GET /metrics: the Prometheus text, read from the dataplane on each scrape
// (PrometheusExposition renders; nothing is counted twice per packet).
import SFCCore

extension NodeDaemon {
    package func metricsText() -> String {
        lock.lock()
        let tables = driver.tables
        let counters = (try? driver.counters()) ?? Counters(tables: tables)
        var snapshot = MetricsSnapshot(
            node: node, dataplane: driver.kind, tables: tables, counters: counters, generation: generation,
            reloads: reloads, steeringRules: steering.count,
            workers: driver.workers().map { (worker: $0.name, packets: $0.packets, busyRatio: $0.busyRatio) },
            traceRecordsDropped: driver.traceRecordsDropped,
            reloadDuration: reloadLatency.snapshot, steerApplyDuration: steerLatency.snapshot)
        for (key, t) in liveness.trackers {
            snapshot.instanceStates[key.function, default: [:]][key.instance] = (t.effective, t.transitions)
        }
        let ledgers = listeners
        lock.unlock()
        snapshot.listeners = ledgers.map { ($0.name, $0.ledger.snapshot) }
        return PrometheusExposition.render(snapshot)
    }
}
