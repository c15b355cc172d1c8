/* The layouts of every map key and value the XDP programs read, shared with
 * the Swift loader (Sources/SFCXDP fills the maps from SFCCore's
 * ForwardingTables through the host build of this header in CSFCShared).
 * Tests/SFCXDPTests/TableLayoutTests reads the BTF of the compiled BPF
 * object and checks that sizes and offsets agree with the host build.
 *
 * Conventions: addresses, SPI, VNI and ports are stored in network byte
 * order as they appear on the wire (byte arrays or __be32) unless a field
 * says "host order"; indices (port, chain, function, instance, rule) are
 * host order. No field is a pointer or has implicit padding. */
#ifndef SFC_TABLES_H
#define SFC_TABLES_H

#include <linux/types.h>
#include "sfc_behaviors.h"
#include "sfc_flowhash.h"

/* Limits and constants. Swift reads every integer #define of this file as
 * SharedSpec.<NAME> (generated at build time, see sfc_drop_reasons.h). */
#define SFC_MAX_PORTS 64
#define SFC_MAX_CHAINS 1024
#define SFC_MAX_HOPS 16               /* functions per chain */
#define SFC_MAX_SEGMENTS (SFC_MAX_HOPS + 1)
#define SFC_MAX_FUNCTIONS 256
#define SFC_MAX_INSTANCES 16          /* per function */
#define SFC_MAX_CONTEXT 128           /* NSH context bytes after the service path header */
#define SFC_MAX_SIDS 4096
#define SFC_MAX_RETURNS 4096
#define SFC_MAX_PATHS 65536           /* (SPI, SI) entries */
/* sfc_nsh_paths is an array laid out by the loader as an open-addressing
 * table (SlotLayout.swift): a key's entry lies within SFC_PATH_PROBES slots
 * of its home slot (sfc_path_home), found by index arithmetic instead of
 * the kernel's hash table (jhash and a bucket walk: 26 ns of the SFF's
 * 180 under BPF_PROG_RUN). Twice SFC_MAX_PATHS slots: load at most 1/2. */
#define SFC_PATH_SLOTS 131072
#define SFC_PATH_PROBES 16
/* sfc_sids likewise (local SIDs and the routed segments the chains name,
 * SFC_MAX_SIDS in all; home sfc_sid_home): every IPv6 packet to a trusted
 * port looks its DA up there, End packets twice. */
#define SFC_SID_SLOTS 8192
#define SFC_SID_PROBES 16
#define SFC_MAX_ROUTES 16384          /* per family */
#define SFC_MAX_TUPLES 32             /* classifier shapes */
#define SFC_MAX_CLASS_KEYS 262144     /* classifier (tuple, masked key) entries */
#define SFC_CLASS_CANDIDATES 8        /* rules sharing one key whose ports are ranges */
#define SFC_CLASS_CACHE_ENTRIES 4096  /* classifier cache entries per CPU / lcore (a power of 2) */
#define SFC_MAX_HOP_COUNTERS 16384
#define SFC_MAX_INSTANCE_COUNTERS 4096
/* Rules added at run time (chain-trace steer) are counted, for their idle
 * expiry: a classifier candidate's chain carries (watch slot + 1) above
 * SFC_CLASS_WATCH_SHIFT, 0 for the chain file's own rules. */
#define SFC_MAX_WATCHED_RULES 64
#define SFC_CLASS_WATCH_SHIFT 16
#define SFC_MAX_PROXY_CACHES 256      /* End.AD header caches */
#define SFC_PROXY_CACHE_BYTES 512
#define SFC_NSH_PROXY_FLOWS 64        /* NSH proxy state slots per return attachment (a power of 2) */
#define SFC_MAX_NSH_PROXY_BLOCKS 256  /* NSH-unaware return attachments */
#define SFC_NSH_STATE_BYTES 252       /* the longest NSH header: 63 words */
#define SFC_INSTANCE_BUCKET_COUNT 1024
#define SFC_ENCAP_HOP_LIMIT 64        /* the outer IPv6 header's hop limit at H.Encaps */
#define SFC_MAX_LOCAL_SIDS 8          /* local SIDs a packet may visit in one pass */
/* The SRH's HMAC TLV (RFC 8754 s2.1.2), as Linux writes and checks it
 * (net/ipv6/seg6_hmac.c): the first TLV after the Segment List, SRH flag
 * 0x08 set, HMAC-SHA256 in all 32 bytes. The text it covers (s2.1.2.1):
 * outer source, Last Entry, Flags, Key ID, the whole Segment List. */
#define SFC_HMAC_TLV_TYPE 5
#define SFC_HMAC_TLV_LENGTH 38        /* D/reserved, Key ID, HMAC: Type and Length not counted */
#define SFC_HMAC_TLV_SIZE 40
#define SFC_HMAC_SRH_FLAG 0x08
#define SFC_HMAC_D_FLAG 0x80          /* the DA is not checked (a reduced list leaves the first segment out) */
#define SFC_HMAC_MAX_TEXT 2022        /* 16 + 1 + 1 + 4 + 16 x 125 segments: the most an SRH with the TLV holds (Hdr Ext Len 255) */
#define SFC_MAX_HMAC_KEYS 256
#define SFC_NONE 0xffffffffu          /* "no port / no index" */
#define SFC_CONSUMED 0xfffffffeu      /* egress of a packet the dataplane consumed (a probe back) */

/* Instance liveness and flow affinity (docs/PIPELINE.md "Instance choice").
 * An instance's state is table data the daemon rewrites in place (a
 * failover is a small table update, not a reload): sfc_instance.state and
 * the function's bucket table, which holds only instances that take new
 * flows (UP), SFC_BUCKET_NONE in every bucket when none does. */
#define SFC_INSTANCE_UP 0             /* takes new flows and keeps its own */
#define SFC_INSTANCE_DRAIN 1          /* keeps the flows it has (affinity), takes no new one */
#define SFC_INSTANCE_DOWN 2           /* takes nothing: its flows move */
#define SFC_BUCKET_NONE 0xffff        /* no instance takes new flows: the function's fail mode */
#define SFC_FAIL_CLOSED 0             /* drop, SFC_DROP_INSTANCE_DOWN */
#define SFC_FAIL_OPEN 1               /* bypass the hop (NSH: SI - 1; SR proxy: act as End) */
/* The flow affinity table (struct sfc_affinity_entry): SETS x WAYS entries,
 * one table for the node, shared by every CPU / lcore and every generation
 * (entries name functions and instances by the hash of their names, not by
 * index). Time is counted in ticks of 2^SFC_AFFINITY_TICK_SHIFT ns. */
#define SFC_AFFINITY_SETS 16384       /* a power of 2 */
#define SFC_AFFINITY_WAYS 4
#define SFC_AFFINITY_TICK_SHIFT 20    /* ~1.05 ms */
#define SFC_AFFINITY_IDLE_DEFAULT_MS 30000
/* Liveness probes (heartbeats the daemon sends through an instance). The
 * probe's L4 payload starts with magic, token, sequence (big endian); the
 * dataplane that sees one come back writes sequence to
 * sfc_probe_replies[token] and consumes the packet. */
#define SFC_PROBE_MAGIC 0x53464350u   /* "SFCP" */
#define SFC_MAX_PROBES 1024           /* probe tokens */
#define SFC_PROBE_PAYLOAD 12          /* magic, token, sequence */

/* Table generations: every config table is an ARRAY_OF_MAPS with two
 * slots; sfc_active[0] says which slot packets use. The loader fills fresh
 * inner maps, puts them in the other slot and then flips sfc_active, so a
 * packet sees one whole generation (it reads sfc_active once). */
#define SFC_GENERATIONS 2

enum sfc_port_match { SFC_PORTS_ANY = 0, SFC_PORTS_EXACT = 1, SFC_PORTS_RANGE = 2 };
enum sfc_encap { SFC_ENCAP_NSH = 0, SFC_ENCAP_SRV6 = 1 };
enum sfc_chain_end { SFC_END_DELIVER = 0, SFC_END_SEGMENT = 1 };

/* Where a packet leaves: port index, next-hop MAC, 802.1Q tag (0 = none). */
struct sfc_adjacency {
    __u32 port;                       /* SFC_NONE: no adjacency */
    __u8 mac[6];
    __u16 vlan;                       /* host order */
};

/* sfc_globals[0] */
struct sfc_globals {
    __u8 srv6_source[16];
    __u8 locator[16];
    __u32 has_srv6_source;
    __u32 has_locator;
    __u32 locator_length;             /* prefix length in bits */
    __be32 ipv4;                      /* node.ipv4 */
    __u32 has_ipv4;
    __u32 port_count;
    __u32 tuple_count;                /* classifier tuples in use, best first */
    __u32 chain_count;
    __u64 return_ports;               /* bit p: port p has a return attachment in sfc_returns */
    __u64 class_epoch;                /* nonzero, random per table image: the sfc_class_cache entries of this generation */
    __u64 hmac_ports;                 /* bit p: port p requires a valid SRH HMAC on SRv6 for a local SID (require-hmac) */
    __u64 trusted_ports;              /* bit p: port p is trusted (sfc_port.trusted, read by dispatch without a lookup) */
};

/* sfc_ports[port index] */
struct sfc_port {
    __u8 mac[6];
    __u16 mtu;                        /* host order; L3 bytes */
    __u32 ifindex;                    /* 0 when the port has no kernel interface */
};

/* An (SPI, SI) entry: key = spi << 8 | si (host order), see sfc_path_key. */
struct sfc_path_entry {
    __u32 chain;
    __u32 position;                   /* == hop_count: end of path */
    /* The hop precomputed (Swift NSHNextHop, same rules): `direct` when
     * its function has one NSH-aware instance reached over Ethernet; while
     * that instance is not down, forwarding is the copy of `l2` and the
     * counters below (RFC 8300 s4.3), no chain, function, instance or
     * port record read. Anything else takes the general path. */
    __u32 direct;
    __u32 function;                   /* the hop's function (its instance 0's state) */
    __u32 port;                       /* egress port */
    __u32 mtu;                        /* its MTU (as sfc_port.mtu) */
    __u32 hop_counter;                /* sfc_hop_counts index */
    __u32 instance_counter;           /* sfc_instance_counts index */
    __u32 l2_len;                     /* 14, or 18 with a VLAN tag */
    __u8 l2[20];                      /* the outgoing Ethernet header, ethertype NSH */
};

/* sfc_chains[chain index] */
struct sfc_chain {
    __u32 spi;                        /* host order, 24 bits */
    __u8 start_si;
    __u8 ttl;
    __u8 md_type;
    __u8 nsh_length_words;            /* 6 for MD1; 2 + context words for MD2 */
    __u8 encap;                       /* enum sfc_encap */
    __u8 reduced;                     /* H.Encaps.Red */
    __u8 hop_count;
    __u8 context_length;              /* bytes in context[] */
    __u32 hop_counter_base;           /* index of hop 0 in sfc_hop_counts */
    __u32 end_kind;                   /* enum sfc_chain_end */
    struct sfc_adjacency deliver;     /* SFC_END_DELIVER */
    __u8 end_segment[16];             /* SFC_END_SEGMENT */
    __u16 hops[SFC_MAX_HOPS];         /* function index per hop, host order */
    __u8 context[SFC_MAX_CONTEXT];    /* NSH metadata exactly as on the wire */
    __u32 has_hmac;                   /* SRv6: the headend signs the SRH (hmac-key) */
    __u32 hmac_key_id;                /* host order; its key in sfc_hmac_keys */
    /* SRv6, when no hop chooses among instances (Swift SRv6SegmentList):
     * the path in Segment List order, entry i = P[n-1-i], so H.Encaps
     * copies entries 0..list-1 and takes the DA from entry Segments Left
     * instead of resolving each segment from the chosen instance. */
    __u32 fixed_segments;
    __u8 segment_list[SFC_MAX_SEGMENTS * 16];
    /* SRv6: hop k's function's first instance counter (its
     * instance_counter_base), or -1 for an SR-unaware one, which its proxy
     * counts: the headend counts the chosen instances without reading
     * each function's entry. */
    __s32 hop_instance_base[SFC_MAX_HOPS];
    /* NSH: the sfc_nsh_paths entry of (spi, start_si), the first hop, so
     * that the classifier sends a packet on without looking it up (Swift
     * Pipeline.nshEncap, ForwardingTables.nshFirstPath); zero when none. */
    struct sfc_path_entry first_hop;
    /* SRv6, a fixed segment list whose active segment (the DA H.Encaps
     * writes) is no local SID: that address's IPv6 route, resolved when
     * the tables were compiled, so the headend sends the packet on as the
     * output loop would without looking the DA up twice (Swift
     * Pipeline.ipv6Output). port SFC_NONE: no route, or not resolved
     * here; the output loop decides. */
    struct sfc_adjacency active_via;
};

/* sfc_hmac_keys[key id]: an HMAC-SHA256 key with its inner and outer pads
 * already absorbed (SHA-256 states after one block, host-order words), so
 * a MAC costs the text's blocks plus one outer block (Swift HMACSHA256Key). */
struct sfc_hmac_key {
    __u32 inner[8];
    __u32 outer[8];
};

/* sfc_functions[function index] */
struct sfc_function {
    __u32 kind;                       /* enum sfc_function_kind */
    __u32 proxy;                      /* enum sfc_proxy_mode */
    __u32 instance_count;
    __u32 instance_counter_base;      /* index of instance 0 in sfc_instance_counts */
    __u32 id;                         /* FlowHash.ofName(function name) | 1: affinity key */
    __u32 fail_mode;                  /* SFC_FAIL_CLOSED / SFC_FAIL_OPEN */
    __u32 affinity_idle_ticks;        /* 0: no affinity (a single instance) */
    __u32 pad;
    __u32 instance_ids[SFC_MAX_INSTANCES]; /* FlowHash.ofName(instance name) per instance */
    __u16 buckets[SFC_INSTANCE_BUCKET_COUNT]; /* flow bucket -> instance index, SFC_BUCKET_NONE */
};

/* sfc_instances[function * SFC_MAX_INSTANCES + instance] */
struct sfc_instance {
    struct sfc_adjacency attachment;  /* port SFC_NONE: none */
    __u8 sid[16];
    __u32 has_sid;
    __u32 has_peer;                   /* behind a remote SFF over VXLAN-GPE */
    __be32 peer_address;
    __u32 peer_vni;                   /* host order, 24 bits */
    struct sfc_adjacency peer_via;    /* the peer's port and MAC (no VLAN) */
    __s32 nsh_state_slot;             /* NSH-unaware: first slot of its return attachment's
                                       * block in sfc_nsh_proxy_state; -1 otherwise */
    __u32 state;                      /* SFC_INSTANCE_UP / DRAIN / DOWN */
};

/* sfc_affinity[set * SFC_AFFINITY_WAYS + way]: a flow that chose an
 * instance of a function keeps it while the instance is not DOWN and the
 * flow is not idle. Empty: function == 0. Written by every CPU without
 * locks: a race between two inserts into one way can only lose an entry
 * (the flow then takes the bucket table's choice), never name an instance
 * the function does not have (the id is resolved against instance_ids). */
struct sfc_affinity_entry {
    __u32 flow;                       /* the flow hash (symmetric: both directions) */
    __u32 function;                   /* sfc_function.id */
    __u32 instance;                   /* sfc_function.instance_ids[i] */
    __u32 expires;                    /* tick after which the entry is idle */
};

/* sfc_probe_replies[token]: the sequence of the last probe seen back. */
struct sfc_probe_reply {
    __u32 sequence;
    __u32 count;                      /* probes seen back with this token */
};

/* sfc_picks[0], per CPU: the instance index an SRv6 headend chose for each
 * hop of the packet it encapsulates. */
struct sfc_picks {
    __u8 instance[SFC_MAX_HOPS];
};

/* sfc_sids: key = the SID */
struct sfc_sid_key {
    __u8 addr[16];
};
struct sfc_sid_entry {
    __u32 behavior;                   /* enum sfc_behavior */
    struct sfc_adjacency via;         /* End.X, End.DX4/DX6, proxies */
    __s32 function;                   /* proxies: what the SID fronts; -1 otherwise */
    __s32 instance;
    __s32 chain;
    __s32 position;
    __s32 cache_slot;                 /* End.AD: index into sfc_proxy_cache */
};

/* sfc_sid_entry.behavior of an entry that is no local SID but an address
 * the chains name (an instance's SID, an end segment) with its IPv6 route
 * in `via`, resolved when the tables were compiled, so the output loop's
 * one lookup also routes it. Dispatch treats such an entry as absent. (A
 * value, not a field: sfc_state holds a copy of the entry, and the
 * programs' combined stack has no 4 bytes to spare.) */
#define SFC_SID_ROUTE_ONLY 0xFFFF

/* sfc_returns: key = port << 16 | vlan (host order), see sfc_return_key */
struct sfc_return_entry {
    __u32 kind;                       /* enum sfc_function_kind */
    __u32 proxy;                      /* enum sfc_proxy_mode */
    __s32 function;
    __s32 instance;
    __s32 chain;
    __s32 position;
    __s32 cache_slot;                 /* End.AD: index into sfc_proxy_cache; NSH-unaware:
                                       * first slot of the block in sfc_nsh_proxy_state; -1 */
};


/* sfc_routes4 / sfc_routes6: LPM tries */
struct sfc_lpm4_key {
    __u32 prefixlen;
    __u8 addr[4];
};
struct sfc_lpm6_key {
    __u32 prefixlen;
    __u8 addr[16];
};

/* sfc_tuples[tuple index]: one classifier shape (SFCCore RuleShape), in
 * the order of the best rule each holds. */
struct sfc_tuple {
    __u32 family;                     /* 4 or 6 */
    __u32 best_rule;                  /* lowest rule index in this tuple */
    __u8 source_mask[16];             /* IPv4: the first 4 bytes */
    __u8 destination_mask[16];
    __u8 proto;                       /* 1: proto is part of the key */
    __u8 dscp;                        /* 1: dscp is part of the key */
    __u8 ingress;                     /* 1: ingress port is part of the key */
    __u8 source_ports;                /* enum sfc_port_match */
    __u8 destination_ports;           /* enum sfc_port_match */
    __u8 pad[3];
};

/* sfc_class_keys: the packet's fields masked by one tuple. Fields the tuple
 * does not match on (and ports that are ranges) are 0. IPv4 addresses sit in
 * the first 4 bytes of the arrays. */
struct sfc_class_key {
    __u32 tuple;
    __u8 source[16];
    __u8 destination[16];
    __be16 source_port;
    __be16 destination_port;
    __u16 ingress;                    /* host order */
    __u8 proto;
    __u8 dscp;                        /* DSCP value, 0..63 */
};

struct sfc_class_candidate {
    __u32 rule;                       /* precedence: lower wins */
    __u32 chain;
    __u16 source_port_low;            /* host order, inclusive */
    __u16 source_port_high;
    __u16 destination_port_low;
    __u16 destination_port_high;
};

struct sfc_class_value {
    __u32 count;                      /* candidates in use, best first */
    __u32 pad;
    struct sfc_class_candidate candidates[SFC_CLASS_CANDIDATES];
};

/* sfc_class_cache[slot], per CPU (Swift Tables/ClassifierCache.swift): the
 * chain the search gave a packet's fields, direct-mapped by their hash.
 * Valid while epoch is the active generation's sfc_globals.class_epoch, so
 * a new generation starts with every entry stale; nothing to clear. */
struct sfc_class_cache_entry {
    __u64 epoch;
    __u64 key[6];                     /* struct sfc_fields (5 words), then the ingress port */
    __u32 chain;                      /* as sfc_classify's search returns it: SFC_NONE, or watch bits and chain */
    __u32 pad;
};

/* Counters: per-CPU arrays, not generational; summed by the loader. */
struct sfc_port_counters {
    __u64 rx_packets;
    __u64 tx_packets;
    __u64 tx_bytes;
};
struct sfc_chain_counters {
    __u64 packets;
    __u64 bytes;
};

/* sfc_proxy_cache[cache slot]: the outer headers End.AD learned. */
struct sfc_proxy_cache {
    __u32 length;                     /* 0: nothing learned yet */
    __u32 inner_type;                 /* 4 or 41 */
    __u8 bytes[SFC_PROXY_CACHE_BYTES];
};

/* sfc_nsh_proxy_state[block first slot + (flow hash & (SFC_NSH_PROXY_FLOWS
 * - 1))]: the NSH header a flow last left with towards an NSH-unaware
 * instance, restored (SI - 1) on what the instance sends back. */
struct sfc_nsh_state {
    __u32 valid;
    __u32 hash;                       /* inner flow hash (sfc_hash_ip) */
    __u32 length;                     /* header bytes, 8..252 */
    __u8 bytes[SFC_NSH_STATE_BYTES];
};

/* BPF_PROG_RUN only: the runner passes this as XDP metadata (ctx.data =
 * sizeof) to name the ingress port; the program writes back the egress port
 * and the drop reason, so a test sees both. Live traffic carries no such
 * metadata and the ingress port comes from sfc_ifindex_ports. */
#define SFC_TEST_MAGIC 0x53464354u    /* "SFCT" */
struct sfc_test_meta {
    __u32 magic;
    __u32 ingress_port;
    __u32 egress_port;                /* SFC_NONE unless redirected; SFC_CONSUMED: consumed */
    __u32 reason;                     /* enum sfc_drop_reason, 0 when forwarded */
};

static inline __u32 sfc_path_key(__u32 spi, __u8 si) { return spi << 8 | si; }

/* sfc_nsh_paths[slot]: `used` when the slot holds `key`'s entry. */
struct sfc_path_slot {
    __u32 key;
    __u32 used;
    struct sfc_path_entry entry;
};

_Static_assert(SFC_PATH_SLOTS == 2 * SFC_MAX_PATHS, "sfc_nsh_paths is kept at most half full");
_Static_assert((SFC_PATH_SLOTS & (SFC_PATH_SLOTS - 1)) == 0, "sfc_nsh_paths slots are masked");

/* Where a key's probe sequence starts (the loader places entries with the
 * same function: Sources/SFCXDP/SlotLayout.swift calls it). */
static inline __u32 sfc_path_home(__u32 key) { return sfc_fmix32(key) & (SFC_PATH_SLOTS - 1); }

/* sfc_sids[slot]: `used` when the slot holds `key`'s entry. */
struct sfc_sid_slot {
    struct sfc_sid_key key;
    __u32 used;
    struct sfc_sid_entry entry;
};

_Static_assert(SFC_SID_SLOTS == 2 * SFC_MAX_SIDS, "sfc_sids is kept at most half full");
_Static_assert((SFC_SID_SLOTS & (SFC_SID_SLOTS - 1)) == 0, "sfc_sids slots are masked");

/* The four words of the address, each folded in by the murmur3 finalizer. */
static inline __u32 sfc_sid_home(const struct sfc_sid_key *k)
{
    __u32 w0, w1, w2, w3;
    __builtin_memcpy(&w0, k->addr, 4);
    __builtin_memcpy(&w1, k->addr + 4, 4);
    __builtin_memcpy(&w2, k->addr + 8, 4);
    __builtin_memcpy(&w3, k->addr + 12, 4);
    __u32 h = sfc_fmix32(w0 ^ SFC_FLOWHASH_SEED);
    h = sfc_fmix32(h ^ w1);
    h = sfc_fmix32(h ^ w2);
    h = sfc_fmix32(h ^ w3);
    return h & (SFC_SID_SLOTS - 1);
}
static inline __u32 sfc_return_key(__u32 port, __u16 vlan) { return port << 16 | vlan; }

#endif
