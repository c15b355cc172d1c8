// GET /metrics: the Prometheus text, read from the dataplane on each scrape.
import SFCCore

extension NodeDaemon {
    func metricsText() -> String {
        "# metrics renderer pending merge\n"
    }
}
