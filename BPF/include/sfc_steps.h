/* The one list of pipeline steps: what a dataplane did to a packet, in the
 * words chain-trace prints. The reference pipeline records them per packet
 * (SFCCore's Step is generated from this file at build time, see
 * sfc_drop_reasons.h); a live trace reports them by code.
 *
 * X(C_NAME, CODE, swiftCase, "name") */
#ifndef SFC_STEPS_H
#define SFC_STEPS_H

#define SFC_STEPS(X) \
    X(NONE, 0, none, "none") \
    X(NSH_ENCAP, 1, nshEncap, "classify+nsh-encap") \
    X(NSH_FORWARD, 2, nshForward, "nsh-sff-forward") \
    X(NSH_PROXY_OUT, 3, nshProxyOut, "nsh-proxy-strip") \
    X(NSH_PROXY_IN, 4, nshProxyIn, "nsh-proxy-restore") \
    X(NSH_DECAP, 5, nshDecap, "nsh-end-of-path-decap") \
    X(VXLAN_GPE_ENCAP, 6, vxlanGPEEncap, "vxlan-gpe-encap") \
    X(VXLAN_GPE_DECAP, 7, vxlanGPEDecap, "vxlan-gpe-decap") \
    X(SRV6_ENCAP, 8, srv6Encap, "classify+H.Encaps") \
    X(SRV6_ENCAP_REDUCED, 9, srv6EncapReduced, "classify+H.Encaps.Red") \
    X(END, 10, end, "End") \
    X(END_X, 11, endX, "End.X") \
    X(END_DX4, 12, endDX4, "End.DX4") \
    X(END_DX6, 13, endDX6, "End.DX6") \
    X(END_DT4, 14, endDT4, "End.DT4") \
    X(END_DT6, 15, endDT6, "End.DT6") \
    X(END_AS_OUT, 16, endASOut, "End.AS") \
    X(END_AS_IN, 17, endASIn, "End.AS-return") \
    X(END_AD_OUT, 18, endADOut, "End.AD") \
    X(END_AD_IN, 19, endADIn, "End.AD-return") \
    X(END_AM_OUT, 20, endAMOut, "End.AM") \
    X(END_AM_IN, 21, endAMIn, "End.AM-return") \
    X(IPV6_FORWARD, 22, ipv6Forward, "ipv6-forward") \
    X(IPV4_FORWARD, 23, ipv4Forward, "ipv4-forward") \
    X(END_DT46, 24, endDT46, "End.DT46") \
    X(HOP_BYPASS, 25, hopBypass, "fail-open-bypass") \
    X(PROBE_REPLY, 26, probeReply, "probe-reply")

enum sfc_step {
#define SFC_STEP_ENUM(NAME, CODE, SWIFT, TEXT) SFC_STEP_##NAME = CODE,
    SFC_STEPS(SFC_STEP_ENUM)
#undef SFC_STEP_ENUM
};

/* The one list of node events: things a dataplane counts that are neither
 * traffic nor drops (instance choice and liveness probes). Per-CPU /
 * per-lcore counters, not generational, summed by the reader.
 *
 * X(C_NAME, CODE, swiftCase, "name", "explanation") */
#define SFC_EVENTS(X) \
    X(AFFINITY_NEW, 0, affinityNew, "affinity-new", \
      "a flow took an instance from the bucket table and was remembered") \
    X(AFFINITY_EXPIRED, 1, affinityExpired, "affinity-expired", \
      "a new entry replaced one idle past the function's affinity timeout") \
    X(AFFINITY_EVICTED, 2, affinityEvicted, "affinity-evicted", \
      "a new entry replaced a live one: the set was full (its flow may move)") \
    X(AFFINITY_MOVED, 3, affinityMoved, "affinity-moved", \
      "a remembered flow's instance was down or gone: the flow moved") \
    X(HOP_BYPASSED, 4, hopBypassed, "hop-bypassed", \
      "no instance up and the function fails open: the hop was skipped") \
    X(PROBE_REPLY, 5, probeReply, "probe-reply", \
      "a liveness probe came back and was consumed (never forwarded)") \
    X(NSH_PROXY_EVICTED, 6, nshProxyEvicted, "nsh-proxy-evicted", \
      "an NSH proxy slot held another flow's header and was overwritten") \
    X(NSH_PROXY_REBUILT, 7, nshProxyRebuilt, "nsh-proxy-rebuilt", \
      "a packet back from an NSH-unaware function had no saved header: the chain's was built")

enum sfc_event {
#define SFC_EVENT_ENUM(NAME, CODE, SWIFT, TEXT, EXPLANATION) SFC_EVENT_##NAME = CODE,
    SFC_EVENTS(SFC_EVENT_ENUM)
#undef SFC_EVENT_ENUM
};

#define SFC_EVENT_SLOTS 16

#endif
