// EAL, lcores, TSC and the link-down flags.
#include <stdatomic.h>
#include <stdio.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "cdpdk.h"

int sfc_dpdk_eal_init(int argc, char **argv) { return rte_eal_init(argc, argv); }

int sfc_dpdk_eal_cleanup(void) { return rte_eal_cleanup(); }

// rte_errno is a macro over a per-lcore variable.
int sfc_dpdk_errno(void) { return rte_errno; }

const char *sfc_dpdk_strerror(int error) { return rte_strerror(error); }

// On Linux, EAL's default log stream writes to stdout and syslog; commands
// print their results on stdout, so DPDK's own lines go to stderr instead.
void sfc_dpdk_log_to_stderr(void) { rte_openlog_stream(stderr); }

// rte_lcore_id is a macro over a per-thread variable.
unsigned sfc_dpdk_lcore_id(void) { return rte_lcore_id(); }

unsigned sfc_dpdk_main_lcore(void) { return rte_get_main_lcore(); }

int sfc_dpdk_lcore_enabled(unsigned lcore) { return rte_lcore_is_enabled(lcore); }

int sfc_dpdk_socket_id(void) { return (int)rte_socket_id(); }

int sfc_dpdk_lcore_launch(int (*fn)(void *), void *arg, unsigned lcore) {
    return rte_eal_remote_launch(fn, arg, lcore);
}

int sfc_dpdk_lcore_wait(unsigned lcore) { return rte_eal_wait_lcore(lcore); }

// rte_get_tsc_cycles and rte_get_tsc_hz are inline.
uint64_t sfc_dpdk_tsc(void) { return rte_get_tsc_cycles(); }

uint64_t sfc_dpdk_tsc_hz(void) { return rte_get_tsc_hz(); }

// A build-time macro.
const char *sfc_dpdk_pmd_path(void) { return RTE_EAL_PMD_PATH; }

// Link state per DPDK port, in C atomics like the stop flag (CSFCRuntime):
// written by the daemon's link watch thread, read by the lcores.
static atomic_uchar link_down[RTE_MAX_ETHPORTS];

void sfc_dpdk_set_link_down(uint16_t port, int down) {
    if (port < RTE_MAX_ETHPORTS) atomic_store_explicit(&link_down[port], down ? 1 : 0, memory_order_relaxed);
}

int sfc_dpdk_link_down(uint16_t port) {
    return port < RTE_MAX_ETHPORTS ? atomic_load_explicit(&link_down[port], memory_order_relaxed) : 0;
}
