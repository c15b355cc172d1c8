// cdpdk.h: the few DPDK 22.11 entry points SFCDPDK needs, as plain functions.
//
// DPDK's fast-path API (rx/tx burst, mbuf fields, rings, TSC) is made of
// static inline functions and macros that Swift cannot import, and its
// headers need `-include rte_config.h -march=...` to parse at all. This
// header therefore includes no DPDK header: DPDK types are forward-declared
// (Swift sees them as OpaquePointer) and every function is defined in the
// shim's .c files, which are the only files compiled with DPDK's flags.
// Each function is one DPDK call (or one field access); no logic lives here.
#ifndef SFC_CDPDK_H
#define SFC_CDPDK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

// MARK: EAL (shim_eal.c)

/// rte_eal_init; returns the number of arguments parsed, or -1 (see sfc_dpdk_errno).
int sfc_dpdk_eal_init(int argc, char **argv);
int sfc_dpdk_eal_cleanup(void);
/// rte_errno (a per-lcore macro).
int sfc_dpdk_errno(void);
const char *sfc_dpdk_strerror(int error);
/// Sends DPDK's own log lines to stderr instead of stdout + syslog.
void sfc_dpdk_log_to_stderr(void);
unsigned sfc_dpdk_lcore_id(void);
unsigned sfc_dpdk_main_lcore(void);
int sfc_dpdk_lcore_enabled(unsigned lcore);
int sfc_dpdk_socket_id(void);
/// rte_eal_remote_launch: runs fn(arg) on a worker lcore.
int sfc_dpdk_lcore_launch(int (*fn)(void *), void *arg, unsigned lcore);
/// rte_eal_wait_lcore: waits for a worker lcore's function, returns its result.
int sfc_dpdk_lcore_wait(unsigned lcore);
uint64_t sfc_dpdk_tsc(void);
uint64_t sfc_dpdk_tsc_hz(void);
/// RTE_EAL_PMD_PATH: the directory EAL loads driver plugins from.
const char *sfc_dpdk_pmd_path(void);

/// Per DPDK port: its kernel interface's link is down (set by the daemon's
/// link watch, read by the lcores once per TX burst).
void sfc_dpdk_set_link_down(uint16_t port, int down);
int sfc_dpdk_link_down(uint16_t port);

// MARK: mempool and mbufs (shim_mbuf.c)

struct rte_mempool *sfc_dpdk_pktmbuf_pool_create(const char *name, unsigned count, unsigned cache_size,
                                                 uint16_t data_room_size, int socket);
void sfc_dpdk_mempool_free(struct rte_mempool *pool);
unsigned sfc_dpdk_mempool_in_use(const struct rte_mempool *pool);
/// sizeof(struct rte_mbuf), for sizing a pool before creating it.
unsigned sfc_dpdk_mbuf_header_size(void);
/// RTE_PKTMBUF_HEADROOM: where a received packet starts in its buffer.
uint16_t sfc_dpdk_mbuf_default_headroom(void);

struct rte_mbuf *sfc_dpdk_pktmbuf_alloc(struct rte_mempool *pool);
void sfc_dpdk_pktmbuf_free(struct rte_mbuf *m);
void sfc_dpdk_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned count);
/// The sum of pkt_len over `count` mbufs.
uint64_t sfc_dpdk_pktmbuf_len_sum(struct rte_mbuf *const *mbufs, unsigned count);
char *sfc_dpdk_pktmbuf_prepend(struct rte_mbuf *m, uint16_t length);
char *sfc_dpdk_pktmbuf_adj(struct rte_mbuf *m, uint16_t length);
char *sfc_dpdk_pktmbuf_append(struct rte_mbuf *m, uint16_t length);
/// rte_pktmbuf_linearize: 0 when the packet now sits in one segment.
int sfc_dpdk_pktmbuf_linearize(struct rte_mbuf *m);

/// The fields of an mbuf the pipeline's PacketBuffer is made from.
struct sfc_dpdk_mbuf_view {
    void *buf_addr;
    uint32_t pkt_len;
    uint16_t buf_len;
    uint16_t data_off;
    uint16_t data_len;
    uint16_t nb_segs;
};

/// Reads the view of each of `count` mbufs (one call per burst, not per packet).
void sfc_dpdk_mbuf_views(struct rte_mbuf *const *mbufs, uint16_t count, struct sfc_dpdk_mbuf_view *views);
/// Writes a single-segment packet's window back: data_off, data_len = pkt_len = length.
void sfc_dpdk_mbuf_set_window(struct rte_mbuf *m, uint16_t data_off, uint16_t length);
/// Pointer to the first byte of packet data (rte_pktmbuf_mtod).
void *sfc_dpdk_mbuf_data(struct rte_mbuf *m);
uint16_t sfc_dpdk_mbuf_data_len(const struct rte_mbuf *m);

/// Offset of the Rx timestamp dynamic field (rte_mbuf_dynfield_lookup), or -1.
int sfc_dpdk_rx_timestamp_offset(void);
/// The 64-bit dynamic field at `offset` (RTE_MBUF_DYNFIELD).
uint64_t sfc_dpdk_mbuf_dynfield64(const struct rte_mbuf *m, int offset);

// MARK: ethdev (shim_ethdev.c)

/// What the forwarder needs from rte_eth_dev_info.
struct sfc_dpdk_port_info {
    char driver[64];
    uint64_t rss_offloads;
    uint32_t max_rx_pktlen;
    uint16_t max_rx_queues;
    uint16_t max_tx_queues;
};

int sfc_dpdk_port_by_name(const char *name, uint16_t *port);
unsigned sfc_dpdk_port_count(void);
int sfc_dpdk_port_name(uint16_t port, char *name, size_t size);
int sfc_dpdk_port_info(uint16_t port, struct sfc_dpdk_port_info *info);
int sfc_dpdk_port_socket(uint16_t port);
/// rte_eth_dev_configure with RSS over IP/TCP/UDP when rss_hf != 0 (and rx_queues > 1).
int sfc_dpdk_port_configure(uint16_t port, uint16_t rx_queues, uint16_t tx_queues, uint64_t rss_hf);
/// The RSS hash types asked for: IP | TCP | UDP, masked by the caller with the device's.
uint64_t sfc_dpdk_rss_hf_ip_tcp_udp(void);
int sfc_dpdk_port_adjust_descriptors(uint16_t port, uint16_t *rx, uint16_t *tx);
int sfc_dpdk_rx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, unsigned socket,
                            struct rte_mempool *pool);
int sfc_dpdk_tx_queue_setup(uint16_t port, uint16_t queue, uint16_t descriptors, unsigned socket);
int sfc_dpdk_port_start(uint16_t port);
int sfc_dpdk_port_stop(uint16_t port);
int sfc_dpdk_port_close(uint16_t port);
int sfc_dpdk_port_promiscuous(uint16_t port);

uint16_t sfc_dpdk_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t count);
uint16_t sfc_dpdk_tx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs, uint16_t count);

/// rte_eth_tx_callback_fn, spelled without DPDK's headers.
typedef uint16_t (*sfc_dpdk_tx_callback)(uint16_t port, uint16_t queue, struct rte_mbuf **mbufs,
                                         uint16_t count, void *user);
/// rte_eth_add_tx_callback: fn sees every burst handed to tx_burst on (port, queue).
const void *sfc_dpdk_add_tx_callback(uint16_t port, uint16_t queue, sfc_dpdk_tx_callback fn, void *user);
int sfc_dpdk_remove_tx_callback(uint16_t port, uint16_t queue, const void *callback);

/// rte_eth_from_rings with one RX and one TX ring: a port whose traffic the caller feeds and drains.
int sfc_dpdk_port_from_rings(const char *name, struct rte_ring *rx, struct rte_ring *tx, unsigned socket);

/// An mbuf from `pool` holding a copy of `length` bytes, its port field set
/// to `port` (a logical port: what the inject ring's consumer sends it on).
/// NULL when the pool is empty or the bytes do not fit.
struct rte_mbuf *sfc_dpdk_mbuf_from_bytes(struct rte_mempool *pool, const void *bytes, uint16_t length, uint16_t port);
uint16_t sfc_dpdk_mbuf_port(const struct rte_mbuf *m);

// MARK: rings (shim_ring.c)

/// A single-producer single-consumer ring of `count` (a power of two) slots.
struct rte_ring *sfc_dpdk_ring_create(const char *name, unsigned count, int socket);
void sfc_dpdk_ring_free(struct rte_ring *ring);
unsigned sfc_dpdk_ring_enqueue_burst(struct rte_ring *ring, struct rte_mbuf **mbufs, unsigned count);
unsigned sfc_dpdk_ring_dequeue_burst(struct rte_ring *ring, struct rte_mbuf **mbufs, unsigned count);
unsigned sfc_dpdk_ring_count(const struct rte_ring *ring);


// MARK: RCU (shim_rcu.c)

struct rte_rcu_qsbr;

/// A QSBR variable for `max_threads` readers (rte_rcu_qsbr_get_memsize + init), or NULL.
struct rte_rcu_qsbr *sfc_dpdk_qsbr_create(unsigned max_threads);
void sfc_dpdk_qsbr_free(struct rte_rcu_qsbr *v);
int sfc_dpdk_qsbr_register(struct rte_rcu_qsbr *v, unsigned thread);
/// A reader starts (online) / stops (offline) taking part; offline readers are never waited for.
void sfc_dpdk_qsbr_online(struct rte_rcu_qsbr *v, unsigned thread);
void sfc_dpdk_qsbr_offline(struct rte_rcu_qsbr *v, unsigned thread);
/// A reader holds no reference to shared data (between two bursts).
void sfc_dpdk_qsbr_quiescent(struct rte_rcu_qsbr *v, unsigned thread);
/// The writer: a token after publishing, then 1 from check once every online reader passed it.
uint64_t sfc_dpdk_qsbr_start(struct rte_rcu_qsbr *v);
int sfc_dpdk_qsbr_check(struct rte_rcu_qsbr *v, uint64_t token);

// MARK: live trace record ring (shim_trace.c)

/// How many bytes of a frame a trace record keeps (TraceRecord.frameBytes).
#define SFC_TRACE_FRAME_BYTES 256

/// One traced packet, filled in place by the lcore.
struct sfc_trace_slot {
    uint64_t sequence;
    uint64_t generation;
    int32_t ingress;
    int32_t egress;          // -1 when dropped
    uint32_t ingress_length;
    uint32_t egress_length;
    int32_t chain;           // -1 when none
    int32_t hop;
    int32_t instance;
    uint8_t verdict;         // SFCCore.Verdict raw value
    uint8_t drop_reason;     // valid when has_drop_reason
    uint8_t has_drop_reason;
    uint8_t reserved;
    uint8_t ingress_frame[SFC_TRACE_FRAME_BYTES];
    uint8_t egress_frame[SFC_TRACE_FRAME_BYTES];
};

struct sfc_trace_ring;

/// `capacity` (a power of two) preallocated slots, or NULL.
struct sfc_trace_ring *sfc_trace_ring_create(uint32_t capacity);
void sfc_trace_ring_free(struct sfc_trace_ring *ring);
/// Producer: the free slot `ahead` places after the last committed one, or
/// NULL when the ring has no room for it; commit publishes `count` slots.
struct sfc_trace_slot *sfc_trace_ring_reserve(struct sfc_trace_ring *ring, uint32_t ahead);
void sfc_trace_ring_commit(struct sfc_trace_ring *ring, uint32_t count);
/// Consumer: the oldest published slot, or NULL; release frees it.
const struct sfc_trace_slot *sfc_trace_ring_peek(struct sfc_trace_ring *ring);
void sfc_trace_ring_release(struct sfc_trace_ring *ring);

#ifdef __cplusplus
}
#endif

#endif
