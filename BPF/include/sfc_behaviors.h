/* The one list of SRv6 endpoint behaviours, function kinds and SR proxy
 * modes, read by every dataplane. Swift's SRv6Behavior, FunctionKind and
 * SRProxyMode are generated from this file at build time (see
 * sfc_drop_reasons.h for how); codes are the wire values sfc_tables.h's
 * records carry: never renumber one, a new case takes a free code.
 *
 * A behaviour's ACTION and INNER say what it does, so a dataplane handles a
 * new behaviour of a known kind (say End.DT46) without new code:
 *   ENDPOINT  next segment, look the new DA up here again (RFC 8986 s4.1)
 *   XCONNECT  next segment, send to the SID's adjacency (s4.2)
 *   DECAP_XCONNECT  SL must be 0; pop the outer IPv6; send the inner packet
 *                   to the SID's adjacency (s4.4, s4.5)
 *   DECAP_LOOKUP    SL must be 0; pop the outer IPv6; look the inner
 *                   destination up in this node's routes (s4.6-s4.8)
 *   PROXY     hand the inner packet to an SR-unaware function
 *             (draft-ietf-spring-sr-service-programming s6)
 *   PROBE     the node's probe SID (node.probe-sid): SL must be 0; the
 *             inner packet must be one of the node's liveness probes, which
 *             is recorded and consumed (docs/PIPELINE.md "Liveness probes");
 *             anything else is srv6-not-a-probe. Not written in 'sids'.
 * INNER is the inner packets a decapsulating behaviour accepts (a bit per
 * family); anything else is srv6-inner-mismatch.
 *
 * X(C_NAME, CODE, swiftCase, "name in chain files", ACTION, INNER) */
#ifndef SFC_BEHAVIORS_H
#define SFC_BEHAVIORS_H

#define SFC_BEHAVIORS(X) \
    X(END, 0, end, "End", ENDPOINT, NONE) \
    X(END_X, 1, endX, "End.X", XCONNECT, NONE) \
    X(END_DX4, 2, endDX4, "End.DX4", DECAP_XCONNECT, IPV4) \
    X(END_DX6, 3, endDX6, "End.DX6", DECAP_XCONNECT, IPV6) \
    X(END_DT4, 4, endDT4, "End.DT4", DECAP_LOOKUP, IPV4) \
    X(END_DT6, 5, endDT6, "End.DT6", DECAP_LOOKUP, IPV6) \
    X(END_AS, 6, endAS, "End.AS", PROXY, NONE) \
    X(END_AD, 7, endAD, "End.AD", PROXY, NONE) \
    X(END_AM, 8, endAM, "End.AM", PROXY, NONE) \
    X(END_DT46, 9, endDT46, "End.DT46", DECAP_LOOKUP, ANY) \
    X(PROBE_REPLY, 10, probeReply, "probe", PROBE, IPV4)

/* X(C_NAME, CODE, swiftCase, "name in chain files") */
#define SFC_FUNCTION_KINDS(X) \
    X(NSH_AWARE, 0, nshAware, "nsh-aware") \
    X(NSH_UNAWARE, 1, nshUnaware, "nsh-unaware") \
    X(SR_AWARE, 2, srAware, "sr-aware") \
    X(SR_UNAWARE, 3, srUnaware, "sr-unaware")

/* How an SR-unaware function is reached; code 0 (SFC_PROXY_NONE) is "no
 * proxy", Swift's nil. X(C_NAME, CODE, swiftCase, "name", BEHAVIOR) */
#define SFC_PROXY_MODES(X) \
    X(STATIC, 1, staticProxy, "static", END_AS) \
    X(DYNAMIC, 2, dynamicProxy, "dynamic", END_AD) \
    X(MASQUERADING, 3, masquerading, "masquerading", END_AM)

enum sfc_behavior_action {
    SFC_ACTION_ENDPOINT = 0, SFC_ACTION_XCONNECT = 1, SFC_ACTION_DECAP_XCONNECT = 2,
    SFC_ACTION_DECAP_LOOKUP = 3, SFC_ACTION_PROXY = 4, SFC_ACTION_PROBE = 5,
};
enum sfc_inner { SFC_INNER_NONE = 0, SFC_INNER_IPV4 = 1, SFC_INNER_IPV6 = 2, SFC_INNER_ANY = 3 };

enum sfc_behavior {
#define SFC_BEH_ENUM(NAME, CODE, SWIFT, TEXT, ACTION, INNER) SFC_BEH_##NAME = CODE,
    SFC_BEHAVIORS(SFC_BEH_ENUM)
#undef SFC_BEH_ENUM
};
enum sfc_function_kind {
#define SFC_KIND_ENUM(NAME, CODE, SWIFT, TEXT) SFC_KIND_##NAME = CODE,
    SFC_FUNCTION_KINDS(SFC_KIND_ENUM)
#undef SFC_KIND_ENUM
};
enum sfc_proxy_mode {
    SFC_PROXY_NONE = 0,
#define SFC_PROXY_ENUM(NAME, CODE, SWIFT, TEXT, BEHAVIOR) SFC_PROXY_##NAME = CODE,
    SFC_PROXY_MODES(SFC_PROXY_ENUM)
#undef SFC_PROXY_ENUM
};

/* What a behaviour code does (SFC_ACTION_*, or -1 for an unknown code) and
 * which inner families it accepts. */
static inline int sfc_behavior_action(unsigned int behavior)
{
    switch (behavior) {
#define SFC_BEH_ACTION(NAME, CODE, SWIFT, TEXT, ACTION, INNER) case CODE: return SFC_ACTION_##ACTION;
    SFC_BEHAVIORS(SFC_BEH_ACTION)
#undef SFC_BEH_ACTION
    default: return -1;
    }
}

static inline unsigned int sfc_behavior_inner(unsigned int behavior)
{
    switch (behavior) {
#define SFC_BEH_INNER(NAME, CODE, SWIFT, TEXT, ACTION, INNER) case CODE: return SFC_INNER_##INNER;
    SFC_BEHAVIORS(SFC_BEH_INNER)
#undef SFC_BEH_INNER
    default: return SFC_INNER_NONE;
    }
}

#endif
