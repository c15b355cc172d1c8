// Ports: lookup, configuration, queues, bursts (rx/tx burst are inline).
#include <stdio.h>
#include <string.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include "cdpdk.h"
#include "tsan_handoff.h"

int sfc_dpdk_port_by_name(const char *name, uint16_t *port) { return rte_eth_dev_get_port_by_name(name, port); }

unsigned sfc_dpdk_port_count(void) { return rte_eth_dev_count_avail(); }

int sfc_dpdk_port_name(uint16_t port, char *name, size_t size) {
    char full[RTE_ETH_NAME_MAX_LEN];
    int ret = rte_eth_dev_get_name_by_port(port, full);
    if (ret == 0) snprintf(name, size, "%s", full);
    return ret;
}

int sfc_dpdk_port_info(uint16_t port, struct sfc_dpdk_port_info *info) {
    struct rte_eth_dev_info dev;
    int ret = rte_eth_dev_info_get(port, &dev);
    if (ret != 0) return ret;
    snprintf(info->driver, sizeof(info->driver), "%s", dev.driver_name ? dev.driver_name : "?");
    info->rss_offloads = dev.flow_type_rss_offloads;
    info->max_rx_pktlen = dev.max_rx_pktlen;
    info->max_rx_queues = dev.max_rx_queues;
    info->max_tx_queues = dev.max_tx_queues;
    return 0;
}

int sfc_dpdk_port_socket(uint16_t port) { return rte_eth_dev_socket_id(port); }

// struct rte_eth_conf is large and full of unions; built here rather than in Swift.
int sfc_dpdk_port_configure(uint16_t port, uint16_t rx_queues, uint16_t tx_queues, uint64_t rss_hf) {
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (rss_hf != 0 && rx_queues > 1) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
    }
    return rte_eth_dev_configure(port, rx_queues, tx_queues, &conf);
}

uint64_t sfc_dpdk_rss_hf_ip_tcp_udp(void) { return RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP; }

int sfc_dpdk_port_adjust_descriptors(uint16_t port, uint16_t *rx, uint16_t *tx) {
    return rte_eth_dev_adjust_nb_rx_tx_desc(port, rx, tx);
}

int sfc_dpdk_rx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, unsigned socket,
                            struct rte_mempool *pool) {
    return rte_eth_rx_queue_setup(port, queue, descriptors, socket, NULL, pool);
}

int sfc_dpdk_tx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, unsigned socket) {
    return rte_eth_tx_queue_setup(port, queue, descriptors, socket, NULL);
}

int sfc_dpdk_port_start(uint16_t port) { return rte_eth_dev_start(port); }

int sfc_dpdk_port_stop(uint16_t port) { return rte_eth_dev_stop(port); }

int sfc_dpdk_port_close(uint16_t port) { return rte_eth_dev_close(port); }

int sfc_dpdk_port_promiscuous(uint16_t port) { return rte_eth_promiscuous_enable(port); }

uint16_t sfc_dpdk_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t count) {
    uint16_t n = rte_eth_rx_burst(port, queue, mbufs, count);
    sfc_tsan_take(mbufs, n);
    return n;
}

uint16_t sfc_dpdk_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t count) {
    sfc_tsan_hand_on(mbufs, count);
    return rte_eth_tx_burst(port, queue, mbufs, count);
}

const void *sfc_dpdk_add_tx_callback(uint16_t port, uint16_t queue, sfc_dpdk_tx_callback fn, void *user) {
    return rte_eth_add_tx_callback(port, queue, (rte_tx_callback_fn)fn, user);
}

int sfc_dpdk_remove_tx_callback(uint16_t port, uint16_t queue, const void *callback) {
    return rte_eth_remove_tx_callback(port, queue, (const struct rte_eth_rxtx_callback *)callback);
}

int sfc_dpdk_port_from_rings(const char *name, struct rte_ring *rx, struct rte_ring *tx, unsigned socket) {
    struct rte_ring *rxs[1] = {rx};
    struct rte_ring *txs[1] = {tx};
    return rte_eth_from_rings(name, rxs, 1, txs, 1, socket);
}
