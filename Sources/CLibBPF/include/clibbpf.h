/* Swift's view of Debian's libbpf 1.1 (and of the map layouts the XDP
 * program shares with Swift). libbpf's plain functions are called from
 * Swift directly; what is a macro, an opts struct or a va_list callback
 * gets a small sfc_bpf_* function here. */
#ifndef SFC_CLIBBPF_H
#define SFC_CLIBBPF_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
/* The contract: every map key and value, host build. */
#include "../../../BPF/include/sfc_tables.h"
/* The live trace's filter, armed state and event. */
#include "../../../BPF/include/sfc_trace.h"

/* libbpf's warnings and info messages (the verifier log among them) are kept
 * in a bounded buffer instead of going to stderr, so errors can quote them.
 * sfc_bpf_log_capture installs the callback (idempotent). */
void sfc_bpf_log_capture(void);
void sfc_bpf_log_clear(void);
/* Copies the newest bytes of the log (NUL-terminated); returns the length copied. */
size_t sfc_bpf_log_copy(char *buffer, size_t size);

/* A new map (e.g. a fresh inner map for an ARRAY_OF_MAPS slot, shaped like
 * the outer map's template). Returns an fd or -errno. */
int sfc_bpf_map_create(enum bpf_map_type type, const char *name, uint32_t key_size, uint32_t value_size,
                       uint32_t max_entries, uint32_t flags);

/* BPF_PROG_RUN. `*data_size_out` is the buffer size in, the output size
 * out; `*duration` is the mean nanoseconds per run. Returns 0 or -errno. */
int sfc_bpf_prog_run(int prog_fd, const void *data_in, uint32_t data_size_in,
                     void *data_out, uint32_t *data_size_out,
                     const void *ctx_in, uint32_t ctx_size_in, void *ctx_out, uint32_t ctx_size_out,
                     uint32_t repeat, uint32_t *retval, uint32_t *duration);

/* XDP attach/detach by netlink (survives the process); flags are XDP_FLAGS_*. */
int sfc_bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags);
int sfc_bpf_xdp_detach(int ifindex, uint32_t flags);
/* The id of the program attached in that mode, 0 when none. */
int sfc_bpf_xdp_query_id(int ifindex, uint32_t flags, uint32_t *prog_id);
/* The id of the program behind an fd (0 on error) and, when `tag` is not
 * NULL, its 8-byte tag (a hash of its instructions: equal for the same code). */
uint32_t sfc_bpf_prog_id(int prog_fd, uint8_t *tag);

/* How many instructions the verifier processed loading the program
 * (bpf_prog_info.verified_insns, Linux 5.16+); 0 when unknown. */
uint32_t sfc_bpf_prog_verified_insns(int prog_fd);
/* The first 32-bit word of the .rodata map a loaded program uses (sfc_xdp:
 * its flow hash seed), or -errno / -ENOENT when it has none. */
int sfc_bpf_prog_rodata_u32(int prog_fd, uint32_t *value);
/* Before bpf_object__load: sets the 32-bit `const volatile` global
 * `variable` of the object's .rodata (found by its BTF); 0, -ENOENT or -EINVAL. */
int sfc_bpf_set_rodata_u32(struct bpf_object *object, const char *variable, uint32_t value);

/* The kernel's view of a map: type, key and value sizes, max entries. Returns 0 or -errno. */
/* The loaded program's size: its instructions as the kernel keeps them
 * (xlated) and its JIT image, in bytes. Returns 0 or -errno. */
int sfc_bpf_prog_sizes(int prog_fd, uint32_t *xlated_bytes, uint32_t *jited_bytes);
int sfc_bpf_map_info(int map_fd, uint32_t *type, uint32_t *key_size, uint32_t *value_size, uint32_t *max_entries);

/* 1 when `path` is on a bpf filesystem (statfs magic), 0 otherwise. */
int sfc_bpf_is_bpffs(const char *path);

/* BTF of a struct: its type id (negative when absent), size and member count. */
int sfc_bpf_btf_struct(const struct btf *btf, const char *name, uint32_t *size, uint32_t *members);
/* Member `index` of struct `type_id`: its name and bit offset. Returns 0 or -1. */
int sfc_bpf_btf_member(const struct btf *btf, int type_id, uint32_t index, const char **name, uint32_t *bit_offset);

/* The host layout of every struct of sfc_tables.h, for the layout test. */
struct sfc_layout_field {
    const char *type;     /* struct name */
    const char *field;    /* NULL: the row gives the struct's size */
    uint32_t offset;
    uint32_t size;
};
const struct sfc_layout_field *sfc_bpf_host_layout(size_t *count);

/* Frames the daemon sends itself (liveness probes) on an interface XDP is
 * attached to: an AF_PACKET socket that only transmits (protocol 0, so it
 * receives nothing). Returns the fd or -errno. */
int sfc_packet_socket(void);
/* Sends one whole Ethernet frame out of `ifindex`. Returns 0 or -errno. */
int sfc_packet_send(int fd, int ifindex, const void *frame, size_t length);

#endif
