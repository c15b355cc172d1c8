#include "clibbpf.h"
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <linux/magic.h>

/* ---- libbpf log capture ---------------------------------------------- */

/* The verifier log of a big program runs to megabytes; the tail is what
 * says why it was rejected, so the buffer keeps the newest bytes. */
#define SFC_LOG_SIZE (1u << 20)
static char sfc_log[SFC_LOG_SIZE];
static size_t sfc_log_length;
static pthread_mutex_t sfc_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void sfc_log_append(const char *text, size_t n)
{
    if (n >= SFC_LOG_SIZE) {
        text += n - (SFC_LOG_SIZE / 2);
        n = SFC_LOG_SIZE / 2;
    }
    if (sfc_log_length + n > SFC_LOG_SIZE) {
        size_t keep = SFC_LOG_SIZE / 2 > n ? SFC_LOG_SIZE / 2 - n : 0;
        if (keep > sfc_log_length) keep = sfc_log_length;
        memmove(sfc_log, sfc_log + sfc_log_length - keep, keep);
        sfc_log_length = keep;
    }
    memcpy(sfc_log + sfc_log_length, text, n);
    sfc_log_length += n;
}

static int sfc_log_print(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG) return 0;
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(NULL, 0, format, copy);
    va_end(copy);
    if (n <= 0) return 0;
    char small[1024];
    char *text = (size_t)n < sizeof(small) ? small : malloc((size_t)n + 1);
    if (!text) return 0;
    vsnprintf(text, (size_t)n + 1, format, args);
    pthread_mutex_lock(&sfc_log_lock);
    sfc_log_append(text, (size_t)n);
    pthread_mutex_unlock(&sfc_log_lock);
    if (text != small) free(text);
    return n;
}

void sfc_bpf_log_capture(void) { libbpf_set_print(sfc_log_print); }

void sfc_bpf_log_clear(void)
{
    pthread_mutex_lock(&sfc_log_lock);
    sfc_log_length = 0;
    pthread_mutex_unlock(&sfc_log_lock);
}

size_t sfc_bpf_log_copy(char *buffer, size_t size)
{
    if (size == 0) return 0;
    pthread_mutex_lock(&sfc_log_lock);
    size_t n = sfc_log_length < size - 1 ? sfc_log_length : size - 1;
    memcpy(buffer, sfc_log + sfc_log_length - n, n);
    buffer[n] = 0;
    pthread_mutex_unlock(&sfc_log_lock);
    return n;
}

/* ---- maps, runs, attachment ------------------------------------------ */

int sfc_bpf_map_create(enum bpf_map_type type, const char *name, uint32_t key_size, uint32_t value_size,
                       uint32_t max_entries, uint32_t flags)
{
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
    int fd = bpf_map_create(type, name, key_size, value_size, max_entries, &opts);
    return fd < 0 ? -errno : fd;
}

int sfc_bpf_prog_run(int prog_fd, const void *data_in, uint32_t data_size_in,
                     void *data_out, uint32_t *data_size_out,
                     const void *ctx_in, uint32_t ctx_size_in, void *ctx_out, uint32_t ctx_size_out,
                     uint32_t repeat, uint32_t *retval, uint32_t *duration)
{
    LIBBPF_OPTS(bpf_test_run_opts, opts,
                .data_in = data_in, .data_size_in = data_size_in,
                .data_out = data_out, .data_size_out = *data_size_out,
                .ctx_in = ctx_in, .ctx_size_in = ctx_size_in,
                .ctx_out = ctx_out, .ctx_size_out = ctx_size_out,
                .repeat = (int)repeat);
    int err = bpf_prog_test_run_opts(prog_fd, &opts);
    if (err) return -errno;
    *data_size_out = opts.data_size_out;
    *retval = opts.retval;
    *duration = opts.duration;
    return 0;
}

int sfc_bpf_xdp_attach(int ifindex, int prog_fd, uint32_t flags)
{
    int err = bpf_xdp_attach(ifindex, prog_fd, flags, NULL);
    return err < 0 ? err : 0;
}

int sfc_bpf_xdp_detach(int ifindex, uint32_t flags)
{
    int err = bpf_xdp_detach(ifindex, flags, NULL);
    return err < 0 ? err : 0;
}

int sfc_bpf_xdp_query_id(int ifindex, uint32_t flags, uint32_t *prog_id)
{
    *prog_id = 0;
    int err = bpf_xdp_query_id(ifindex, (int)flags, prog_id);
    return err < 0 ? err : 0;
}

uint32_t sfc_bpf_prog_id(int prog_fd, uint8_t *tag)
{
    struct bpf_prog_info info;
    uint32_t length = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length)) return 0;
    if (tag) memcpy(tag, info.tag, sizeof(info.tag));
    return info.id;
}

int sfc_bpf_set_rodata_u32(struct bpf_object *object, const char *variable, uint32_t value)
{
    struct btf *btf = bpf_object__btf(object);
    if (!btf) return -ENOENT;
    struct bpf_map *map;
    bpf_object__for_each_map(map, object) {
        const char *name = bpf_map__name(map);
        if (!bpf_map__is_internal(map) || !strstr(name, ".rodata")) continue;
        int section = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
        if (section < 0) return -ENOENT;
        const struct btf_type *datasec = btf__type_by_id(btf, (uint32_t)section);
        const struct btf_var_secinfo *info = btf_var_secinfos(datasec);
        for (uint16_t i = 0; i < btf_vlen(datasec); i++, info++) {
            const struct btf_type *var = btf__type_by_id(btf, info->type);
            if (!var || strcmp(btf__name_by_offset(btf, var->name_off), variable) != 0) continue;
            if (info->size != sizeof(value)) return -EINVAL;
            size_t size = 0;
            uint8_t *data = bpf_map__initial_value(map, &size);
            if (!data || info->offset + sizeof(value) > size) return -EINVAL;
            memcpy(data + info->offset, &value, sizeof(value));
            return 0;
        }
        return -ENOENT;
    }
    return -ENOENT;
}

int sfc_bpf_prog_rodata_u32(int prog_fd, uint32_t *value)
{
    uint32_t ids[64];
    struct bpf_prog_info info;
    uint32_t length = sizeof(info);
    memset(&info, 0, sizeof(info));
    info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
    info.map_ids = (uint64_t)(uintptr_t)ids;
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length)) return -errno;
    uint32_t count = info.nr_map_ids < 64 ? info.nr_map_ids : 64;
    for (uint32_t i = 0; i < count; i++) {
        int fd = bpf_map_get_fd_by_id(ids[i]);
        if (fd < 0) continue;
        struct bpf_map_info map;
        uint32_t map_length = sizeof(map);
        memset(&map, 0, sizeof(map));
        /* libbpf names it "<object>.rodata" (sfc_xdp.rodata fits the
         * kernel's 15 bytes) and the program may only read it. */
        if (bpf_obj_get_info_by_fd(fd, &map, &map_length) == 0 && (map.map_flags & BPF_F_RDONLY_PROG) &&
            strstr(map.name, ".rodata") && map.value_size >= 4) {
            uint32_t key = 0;
            uint8_t buffer[4096];
            int err = map.value_size <= sizeof(buffer) ? bpf_map_lookup_elem(fd, &key, buffer) : -1;
            close(fd);
            if (err) return -ENOENT;
            memcpy(value, buffer, 4);
            return 0;
        }
        close(fd);
    }
    return -ENOENT;
}

uint32_t sfc_bpf_prog_verified_insns(int prog_fd)
{
    struct bpf_prog_info info;
    uint32_t length = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length)) return 0;
    return info.verified_insns;
}

int sfc_bpf_prog_sizes(int prog_fd, uint32_t *xlated_bytes, uint32_t *jited_bytes)
{
    struct bpf_prog_info info;
    uint32_t length = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length)) return -errno;
    *xlated_bytes = info.xlated_prog_len;
    *jited_bytes = info.jited_prog_len;
    return 0;
}

int sfc_bpf_map_info(int map_fd, uint32_t *type, uint32_t *key_size, uint32_t *value_size, uint32_t *max_entries)
{
    struct bpf_map_info info;
    uint32_t length = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(map_fd, &info, &length)) return -errno;
    *type = info.type;
    *key_size = info.key_size;
    *value_size = info.value_size;
    *max_entries = info.max_entries;
    return 0;
}

int sfc_bpf_is_bpffs(const char *path)
{
    struct statfs s;
    return statfs(path, &s) == 0 && (unsigned long)s.f_type == (unsigned long)BPF_FS_MAGIC;
}

/* ---- BTF --------------------------------------------------------------- */

int sfc_bpf_btf_struct(const struct btf *btf, const char *name, uint32_t *size, uint32_t *members)
{
    int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
    if (id < 0) return id;
    const struct btf_type *t = btf__type_by_id(btf, (uint32_t)id);
    if (!t) return -ENOENT;
    *size = t->size;
    *members = btf_vlen(t);
    return id;
}

int sfc_bpf_btf_member(const struct btf *btf, int type_id, uint32_t index, const char **name, uint32_t *bit_offset)
{
    const struct btf_type *t = btf__type_by_id(btf, (uint32_t)type_id);
    if (!t || !btf_is_struct(t) || index >= btf_vlen(t)) return -1;
    const struct btf_member *m = btf_members(t) + index;
    *name = btf__name_by_offset(btf, m->name_off);
    *bit_offset = btf_member_bit_offset(t, index);
    return 0;
}

/* ---- host layout --------------------------------------------------------- */

#define SFC_TYPE(T) { #T, NULL, 0, sizeof(struct T) }
#define SFC_FIELD(T, F) { #T, #F, offsetof(struct T, F), sizeof(((struct T *)0)->F) }

static const struct sfc_layout_field sfc_layout[] = {
    SFC_TYPE(sfc_adjacency), SFC_FIELD(sfc_adjacency, port), SFC_FIELD(sfc_adjacency, mac), SFC_FIELD(sfc_adjacency, vlan),
    SFC_TYPE(sfc_globals), SFC_FIELD(sfc_globals, srv6_source), SFC_FIELD(sfc_globals, locator),
    SFC_FIELD(sfc_globals, has_srv6_source), SFC_FIELD(sfc_globals, has_locator), SFC_FIELD(sfc_globals, locator_length),
    SFC_FIELD(sfc_globals, ipv4), SFC_FIELD(sfc_globals, has_ipv4), SFC_FIELD(sfc_globals, port_count),
    SFC_FIELD(sfc_globals, tuple_count), SFC_FIELD(sfc_globals, chain_count), SFC_FIELD(sfc_globals, return_ports),
    SFC_FIELD(sfc_globals, class_epoch), SFC_FIELD(sfc_globals, hmac_ports),
    SFC_FIELD(sfc_globals, trusted_ports),
    SFC_TYPE(sfc_port), SFC_FIELD(sfc_port, mac), SFC_FIELD(sfc_port, mtu),
    SFC_FIELD(sfc_port, ifindex),
    SFC_TYPE(sfc_chain), SFC_FIELD(sfc_chain, spi), SFC_FIELD(sfc_chain, start_si), SFC_FIELD(sfc_chain, ttl),
    SFC_FIELD(sfc_chain, md_type), SFC_FIELD(sfc_chain, nsh_length_words), SFC_FIELD(sfc_chain, encap),
    SFC_FIELD(sfc_chain, reduced), SFC_FIELD(sfc_chain, hop_count), SFC_FIELD(sfc_chain, context_length),
    SFC_FIELD(sfc_chain, hop_counter_base), SFC_FIELD(sfc_chain, end_kind), SFC_FIELD(sfc_chain, deliver),
    SFC_FIELD(sfc_chain, end_segment), SFC_FIELD(sfc_chain, hops), SFC_FIELD(sfc_chain, context),
    SFC_FIELD(sfc_chain, has_hmac), SFC_FIELD(sfc_chain, hmac_key_id), SFC_FIELD(sfc_chain, fixed_segments),
    SFC_FIELD(sfc_chain, segment_list), SFC_FIELD(sfc_chain, hop_instance_base),
    SFC_FIELD(sfc_chain, first_hop),
    SFC_FIELD(sfc_chain, active_via),
    SFC_TYPE(sfc_hmac_key), SFC_FIELD(sfc_hmac_key, inner), SFC_FIELD(sfc_hmac_key, outer),
    SFC_TYPE(sfc_function), SFC_FIELD(sfc_function, kind), SFC_FIELD(sfc_function, proxy),
    SFC_FIELD(sfc_function, instance_count), SFC_FIELD(sfc_function, instance_counter_base), SFC_FIELD(sfc_function, id),
    SFC_FIELD(sfc_function, fail_mode), SFC_FIELD(sfc_function, affinity_idle_ticks), SFC_FIELD(sfc_function, pad),
    SFC_FIELD(sfc_function, instance_ids), SFC_FIELD(sfc_function, buckets),
    SFC_TYPE(sfc_instance), SFC_FIELD(sfc_instance, attachment), SFC_FIELD(sfc_instance, sid), SFC_FIELD(sfc_instance, has_sid),
    SFC_FIELD(sfc_instance, has_peer), SFC_FIELD(sfc_instance, peer_address), SFC_FIELD(sfc_instance, peer_vni),
    SFC_FIELD(sfc_instance, peer_via), SFC_FIELD(sfc_instance, nsh_state_slot), SFC_FIELD(sfc_instance, state),
    SFC_TYPE(sfc_affinity_entry), SFC_FIELD(sfc_affinity_entry, flow), SFC_FIELD(sfc_affinity_entry, function),
    SFC_FIELD(sfc_affinity_entry, instance), SFC_FIELD(sfc_affinity_entry, expires),
    SFC_TYPE(sfc_probe_reply), SFC_FIELD(sfc_probe_reply, sequence), SFC_FIELD(sfc_probe_reply, count),
    SFC_TYPE(sfc_picks), SFC_FIELD(sfc_picks, instance),
    SFC_TYPE(sfc_class_cache_entry), SFC_FIELD(sfc_class_cache_entry, epoch), SFC_FIELD(sfc_class_cache_entry, key),
    SFC_FIELD(sfc_class_cache_entry, chain), SFC_FIELD(sfc_class_cache_entry, pad),
    SFC_TYPE(sfc_sid_key), SFC_FIELD(sfc_sid_key, addr),
    SFC_TYPE(sfc_sid_entry), SFC_FIELD(sfc_sid_entry, behavior), SFC_FIELD(sfc_sid_entry, via),
    SFC_FIELD(sfc_sid_entry, function), SFC_FIELD(sfc_sid_entry, instance), SFC_FIELD(sfc_sid_entry, chain),
    SFC_FIELD(sfc_sid_entry, position), SFC_FIELD(sfc_sid_entry, cache_slot),
    SFC_TYPE(sfc_return_entry), SFC_FIELD(sfc_return_entry, kind), SFC_FIELD(sfc_return_entry, proxy),
    SFC_FIELD(sfc_return_entry, function), SFC_FIELD(sfc_return_entry, instance), SFC_FIELD(sfc_return_entry, chain),
    SFC_FIELD(sfc_return_entry, position), SFC_FIELD(sfc_return_entry, cache_slot),
    SFC_TYPE(sfc_path_entry), SFC_FIELD(sfc_path_entry, chain), SFC_FIELD(sfc_path_entry, position),
    SFC_FIELD(sfc_path_entry, direct), SFC_FIELD(sfc_path_entry, function), SFC_FIELD(sfc_path_entry, port),
    SFC_FIELD(sfc_path_entry, mtu), SFC_FIELD(sfc_path_entry, hop_counter), SFC_FIELD(sfc_path_entry, instance_counter),
    SFC_FIELD(sfc_path_entry, l2_len), SFC_FIELD(sfc_path_entry, l2),
    SFC_TYPE(sfc_path_slot), SFC_FIELD(sfc_path_slot, key), SFC_FIELD(sfc_path_slot, used), SFC_FIELD(sfc_path_slot, entry),
    SFC_TYPE(sfc_lpm4_key), SFC_FIELD(sfc_lpm4_key, prefixlen), SFC_FIELD(sfc_lpm4_key, addr),
    SFC_TYPE(sfc_lpm6_key), SFC_FIELD(sfc_lpm6_key, prefixlen), SFC_FIELD(sfc_lpm6_key, addr),
    SFC_TYPE(sfc_tuple), SFC_FIELD(sfc_tuple, family), SFC_FIELD(sfc_tuple, best_rule), SFC_FIELD(sfc_tuple, source_mask),
    SFC_FIELD(sfc_tuple, destination_mask), SFC_FIELD(sfc_tuple, proto), SFC_FIELD(sfc_tuple, dscp),
    SFC_FIELD(sfc_tuple, ingress), SFC_FIELD(sfc_tuple, source_ports), SFC_FIELD(sfc_tuple, destination_ports),
    SFC_FIELD(sfc_tuple, pad),
    SFC_TYPE(sfc_class_key), SFC_FIELD(sfc_class_key, tuple), SFC_FIELD(sfc_class_key, source),
    SFC_FIELD(sfc_class_key, destination), SFC_FIELD(sfc_class_key, source_port), SFC_FIELD(sfc_class_key, destination_port),
    SFC_FIELD(sfc_class_key, ingress), SFC_FIELD(sfc_class_key, proto), SFC_FIELD(sfc_class_key, dscp),
    SFC_TYPE(sfc_class_candidate), SFC_FIELD(sfc_class_candidate, rule), SFC_FIELD(sfc_class_candidate, chain),
    SFC_FIELD(sfc_class_candidate, source_port_low), SFC_FIELD(sfc_class_candidate, source_port_high),
    SFC_FIELD(sfc_class_candidate, destination_port_low), SFC_FIELD(sfc_class_candidate, destination_port_high),
    SFC_TYPE(sfc_class_value), SFC_FIELD(sfc_class_value, count), SFC_FIELD(sfc_class_value, pad),
    SFC_FIELD(sfc_class_value, candidates),
    SFC_TYPE(sfc_port_counters), SFC_FIELD(sfc_port_counters, rx_packets), SFC_FIELD(sfc_port_counters, tx_packets),
    SFC_FIELD(sfc_port_counters, tx_bytes),
    SFC_TYPE(sfc_chain_counters), SFC_FIELD(sfc_chain_counters, packets), SFC_FIELD(sfc_chain_counters, bytes),
    SFC_TYPE(sfc_proxy_cache), SFC_FIELD(sfc_proxy_cache, length), SFC_FIELD(sfc_proxy_cache, inner_type),
    SFC_FIELD(sfc_proxy_cache, bytes),
    SFC_TYPE(sfc_nsh_state), SFC_FIELD(sfc_nsh_state, valid), SFC_FIELD(sfc_nsh_state, hash),
    SFC_FIELD(sfc_nsh_state, length), SFC_FIELD(sfc_nsh_state, bytes),
    SFC_TYPE(sfc_test_meta), SFC_FIELD(sfc_test_meta, magic), SFC_FIELD(sfc_test_meta, ingress_port),
    SFC_FIELD(sfc_test_meta, egress_port), SFC_FIELD(sfc_test_meta, reason),
    SFC_TYPE(sfc_trace_filter), SFC_FIELD(sfc_trace_filter, fields), SFC_FIELD(sfc_trace_filter, ingress),
    SFC_FIELD(sfc_trace_filter, spi), SFC_FIELD(sfc_trace_filter, si), SFC_FIELD(sfc_trace_filter, proto),
    SFC_FIELD(sfc_trace_filter, pad), SFC_FIELD(sfc_trace_filter, source_port),
    SFC_FIELD(sfc_trace_filter, destination_port), SFC_FIELD(sfc_trace_filter, source),
    SFC_FIELD(sfc_trace_filter, source_mask), SFC_FIELD(sfc_trace_filter, destination),
    SFC_FIELD(sfc_trace_filter, destination_mask), SFC_FIELD(sfc_trace_filter, segment),
    SFC_TYPE(sfc_trace_arm), SFC_FIELD(sfc_trace_arm, remaining), SFC_FIELD(sfc_trace_arm, filter),
    SFC_FIELD(sfc_trace_arm, pad),
    SFC_TYPE(sfc_trace_event), SFC_FIELD(sfc_trace_event, ingress), SFC_FIELD(sfc_trace_event, ingress_length),
    SFC_FIELD(sfc_trace_event, action), SFC_FIELD(sfc_trace_event, reason), SFC_FIELD(sfc_trace_event, egress),
    SFC_FIELD(sfc_trace_event, egress_length), SFC_FIELD(sfc_trace_event, chain), SFC_FIELD(sfc_trace_event, function),
    SFC_FIELD(sfc_trace_event, instance), SFC_FIELD(sfc_trace_event, slot), SFC_FIELD(sfc_trace_event, ingress_bytes),
    SFC_FIELD(sfc_trace_event, egress_bytes),
};

const struct sfc_layout_field *sfc_bpf_host_layout(size_t *count)
{
    *count = sizeof(sfc_layout) / sizeof(sfc_layout[0]);
    return sfc_layout;
}

/* ---- frames sent by the daemon ----------------------------------------- */

int sfc_packet_socket(void)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

int sfc_packet_send(int fd, int ifindex, const void *frame, size_t length)
{
    struct sockaddr_ll to;
    if (length < 14)
        return -EINVAL;
    memset(&to, 0, sizeof(to));
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    memcpy(to.sll_addr, frame, 6);
    ssize_t n = sendto(fd, frame, length, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to));
    if (n < 0)
        return -errno;
    return (size_t)n == length ? 0 : -EMSGSIZE;
}
