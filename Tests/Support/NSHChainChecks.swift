// What the NSH end-to-end network (Tests/e2e/topology.sh, chain.yaml) must
// show after a ping, a TCP transfer and a blocked probe, whichever dataplane
// forwarded: the forwarder's counters, the NSH-aware function's account,
// nftables' counters and what the hosts captured agree packet for packet.
import Testing

struct NSHChainChecks {
    var pingCount: Int
    var sendBytes: Int
    var replyBytes: Int

    /// Records every disagreement; returns the per-port counters and what the
    /// function saw per SPI, for the test's one-line summary.
    @discardableResult
    func expectAgreement(counters: [String: Any], nft: [String: Int], sfStats: [String: Any],
                         atServer: Deliveries, atClient: Deliveries,
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> (ports: [String: [String: Int]], seenBySF: [String: Int]) {
        let at = sourceLocation
        #expect((counters["drops"] as? [String: Any])?.isEmpty == true, "drops: \(counters["drops"] ?? "none")", sourceLocation: at)
        let chains = try #require(counters["chains"] as? [[String: Any]], sourceLocation: at)
        let ports = try #require(counters["ports"] as? [String: [String: Int]], sourceLocation: at)
        let seenBySF = try #require(sfStats["by_spi"] as? [String: Int], sourceLocation: at)
        for (name, spi, ingress, egress, fwPort, fwCounter, deliveries) in [
            ("client-to-server", 100, "client", "server", "fw-c2s", "client_to_server", atServer),
            ("server-to-client", 200, "server", "client", "fw-s2c", "server_to_client", atClient),
        ] {
            let chain = try #require(chains.first { $0["name"] as? String == name }, sourceLocation: at)
            let hops = try #require(chain["hops"] as? [[String: Any]], sourceLocation: at)
            try #require(hops.count == 2, sourceLocation: at)
            let classified = try #require(chain["packets"] as? Int, sourceLocation: at)
            let toSF = try #require(hops[0]["packets"] as? Int, sourceLocation: at)
            let toFirewall = try #require(hops[1]["packets"] as? Int, sourceLocation: at)
            let delivered = try #require(chain["delivered"] as? Int, sourceLocation: at)
            #expect(classified > pingCount, "\(name): \(chain)", sourceLocation: at)
            // Everything that entered was classified onto the chain and sent to the NSH-aware function...
            #expect(ports[ingress]?["rx"] == classified, "\(name): \(ports)", sourceLocation: at)
            #expect(toSF == classified, "\(name): \(chain)", sourceLocation: at)
            // ...which saw each packet and returned it: the proxy sent exactly that to the firewall...
            #expect(seenBySF["\(spi)"] == toSF, "\(name): the function saw \(seenBySF), the forwarder sent \(toSF)", sourceLocation: at)
            #expect(nft[fwCounter] == toFirewall, "\(name): nftables counted \(nft), the proxy sent \(toFirewall)", sourceLocation: at)
            // ...what came back from the firewall was delivered, header removed, and the host got all of it.
            #expect(ports[fwPort]?["rx"] == delivered, "\(name): \(ports)", sourceLocation: at)
            #expect(ports[egress]?["tx"] == delivered, "\(name): \(ports)", sourceLocation: at)
            #expect(deliveries.frames == delivered, "\(name): the host captured \(deliveries.frames), the forwarder delivered \(delivered)",
                    sourceLocation: at)
            #expect(deliveries.problems.isEmpty, "\(name) delivered:\n\(deliveries.problems.joined(separator: "\n"))", sourceLocation: at)
            #expect(deliveries.tcp > (name == "client-to-server" ? sendBytes : replyBytes) / 1500, "\(name): \(deliveries)", sourceLocation: at)
            // Full-size segments (1500-byte IPv4) crossed the NSH-aware function with their 24 bytes of NSH.
            #expect(deliveries.largestFrame == 14 + 1500, "\(name): \(deliveries)", sourceLocation: at)
        }
        // Only the blocked flow's SYNs went missing, dropped by the firewall.
        let c2s = try #require(chains.first { $0["name"] as? String == "client-to-server" }, sourceLocation: at)
        let c2sToFirewall = try #require((c2s["hops"] as? [[String: Any]])?[1]["packets"] as? Int, sourceLocation: at)
        #expect((nft["blocked"] ?? 0) >= 1 && c2sToFirewall - (c2s["delivered"] as? Int ?? 0) == nft["blocked"], "\(nft) \(c2s)",
                sourceLocation: at)
        #expect(nft["other"] == 0 && nft["icmp_passed"] == 2 * pingCount, "\(nft)", sourceLocation: at)
        #expect(atServer.icmpEchoRequests == pingCount && atClient.icmpEchoReplies == pingCount, "\(atServer) \(atClient)", sourceLocation: at)
        #expect(ports["sfa"]?["rx"] == sfStats["returned"] as? Int, "\(ports) \(sfStats)", sourceLocation: at)
        #expect(ports["sfa"]?["tx"] == seenBySF.values.reduce(0, +), "\(ports) \(sfStats)", sourceLocation: at)
        // The function saw each chain at its first hop: SI 255, TTL 63 - 1 (the SFF's decrement).
        let paths = try #require(sfStats["paths"] as? [[String: Int]], sourceLocation: at)
        #expect(paths == [["spi": 100, "si": 255, "ttl": 62], ["spi": 200, "si": 255, "ttl": 62]], "\(paths)", sourceLocation: at)
        #expect(sfStats["refused"] as? Int == 0, sourceLocation: at)
        return (ports, seenBySF)
    }
}
