#!/usr/bin/python3
"""Oracle for chain-trace decode: builds NSH (MD1, MD2), VXLAN-GPE and SRv6
(SRH, reduced SRH, Ethernet inner) packets with scapy's own layers, writes
them to the pcap named on the command line, and prints on stdout, as JSON,
the fields scapy reads back from the same bytes.

Usage: /usr/bin/python3 scapy_sfc_packets.py OUT.pcap

Note: scapy 2.5's NSH layer counts MD type 2 TLVs and their values in
4-byte words where RFC 8300 s2.5.1 uses bytes (and cannot read such bytes
back), so MD type 2 lengths are set explicitly here and the expected TLVs
come from what was built.
"""
import json
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, wrpcap, Raw
from scapy.layers.inet6 import IPv6ExtHdrSegmentRouting, ICMPv6EchoRequest
from scapy.layers.vxlan import VXLAN
from scapy.contrib.nsh import NSH, NSHTLV

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def nsh_fields(p, nth=0):
    n = p.getlayer(NSH, nth + 1)
    return {"layer": "nsh", "nth": nth, "fields": {
        "version": n.ver, "oam": bool(n.oam), "ttl": n.ttl, "length": n.length,
        "md_type": n.mdtype, "next_protocol": n.nextproto, "spi": n.spi, "si": n.si}}


def srh_fields(p):
    s = p[IPv6ExtHdrSegmentRouting]
    return {"layer": "srh", "nth": 0, "fields": {
        "nxt": s.nh, "len": s.len, "segments_left": s.segleft, "last_entry": s.lastentry,
        "tag": s.tag, "segments": [str(a) for a in s.addresses]}}


def ipv4_fields(p, nth=0):
    i = p.getlayer(IP, nth + 1)
    return {"layer": "ipv4", "nth": nth, "fields": {"src": i.src, "dst": i.dst, "ttl": i.ttl,
                                                      "proto": i.proto, "len": i.len, "checksum": i.chksum}}


def ipv6_fields(p, nth=0):
    i = p.getlayer(IPv6, nth + 1)
    return {"layer": "ipv6", "nth": nth, "fields": {"src": i.src, "dst": i.dst, "hlim": i.hlim,
                                                      "nxt": i.nh, "plen": i.plen}}


def ports(p, layer, cls):
    t = p[cls]
    return {"layer": layer, "nth": 0, "fields": {"sport": t.sport, "dport": t.dport}}


def build():
    cases = []

    # 1. NSH MD type 1 over Ethernet, IPv4/TCP inside.
    ctx = bytes.fromhex("00000001000000020000000300000004")
    p = (Ether(src=MAC_A, dst=MAC_B) /
         NSH(mdtype=1, nextproto=1, spi=100, si=254, ttl=63, context_header=ctx) /
         IP(src="10.1.0.5", dst="10.20.0.9") / TCP(sport=40000, dport=104, flags="S"))
    cases.append(("nsh-md1-ipv4-tcp", p, lambda q: [
        nsh_fields(q), {"layer": "nsh", "nth": 0, "fields": {"context": [1, 2, 3, 4]}},
        ipv4_fields(q), ports(q, "tcp", TCP)]))

    # 2. NSH MD type 2 with two TLVs (4 and 8 value bytes), IPv6/UDP inside.
    # The values ride as payload of each NSHTLV: its metadata list does not serialise ints.
    tlvs = [NSHTLV(class_=0x0101, type=1, length=4) / Raw(bytes.fromhex("0000abcd")),
            NSHTLV(class_=0x0000, type=2, length=8) / Raw(bytes.fromhex("1122334455667788"))]
    p = (Ether(src=MAC_A, dst=MAC_B) /
         NSH(mdtype=2, length=2 + 2 + 3, nextproto=2, spi=0x123456, si=200, ttl=10, vlch=tlvs) /
         IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5000, dport=53))
    # scapy cannot read its MD type 2 bytes back (see the note above): base
    # fields come from the built layer, the inner packet is dissected on its own.
    built = p
    inner = IPv6(bytes(p)[14 + 28:])
    cases.append(("nsh-md2-ipv6-udp", p, lambda q: [
        nsh_fields(built),
        {"layer": "nsh", "nth": 0, "fields": {"tlvs": [
            {"class": 0x0101, "type": 1, "length": 4, "value": "0000abcd"},
            {"class": 0, "type": 2, "length": 8, "value": "1122334455667788"}]}},
        ipv6_fields(inner), ports(inner, "udp", UDP)]))

    # 3. VXLAN-GPE (UDP 4790, P bit, next protocol NSH) carrying NSH MD1 + Ethernet + IPv4/ICMP.
    p = (Ether(src=MAC_A, dst=MAC_B) / IP(src="192.0.2.1", dst="192.0.2.2") /
         UDP(sport=4790, dport=4790) /
         VXLAN(flags="NextProtocol+Instance", NextProtocol=4, vni=5000) /
         NSH(mdtype=1, nextproto=3, spi=7, si=3, ttl=5) /
         Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") /
         IP(src="10.0.0.1", dst="10.0.0.2") / ICMP(type=8, code=0, id=9, seq=1))
    # scapy binds VXLAN to NSH on a field name VXLAN does not have, so the NSH
    # after the 8-byte VXLAN-GPE header (at 14 + 20 + 8 + 8) is dissected on its own.
    cases.append(("vxlan-gpe-nsh-ethernet-icmp", p, lambda q: [
        ipv4_fields(q), ports(q, "udp", UDP),
        {"layer": "vxlan-gpe", "nth": 0, "fields": {"vni": q[VXLAN].vni, "next_protocol": q[VXLAN].NextProtocol,
                                                     "p": True, "i": True}},
        nsh_fields(NSH(bytes(q)[50:])), dict(ipv4_fields(NSH(bytes(q)[50:])), nth=1),
        {"layer": "icmp", "nth": 0, "fields": {"type": 8, "code": 0, "ident": 9, "seq": 1}}]))

    # 4. H.Encaps: outer IPv6 + SRH (3 SIDs, SL 2) + inner IPv6/UDP.
    sids = ["fc00:3::e", "fc00:2::e", "fc00:1::e"]  # Segment List[0] is the last segment
    p = (Ether(src=MAC_A, dst=MAC_B) / IPv6(src="2001:db8::a", dst=sids[2]) /
         IPv6ExtHdrSegmentRouting(addresses=sids, segleft=2, lastentry=2, nh=41, tag=0x77) /
         IPv6(src="2001:db8:1::5", dst="2001:db8:2::9") / UDP(sport=1234, dport=53))
    cases.append(("srv6-encaps-ipv6-udp", p, lambda q: [
        ipv6_fields(q), srh_fields(q), ipv6_fields(q, 1), ports(q, "udp", UDP)]))

    # 5. H.Encaps.Red (RFC 8986 s5.2): first SID only in the DA, SL = Last Entry + 1, IPv4/TCP inside.
    p = (Ether(src=MAC_A, dst=MAC_B) / IPv6(src="2001:db8::a", dst="fc00:1::e") /
         IPv6ExtHdrSegmentRouting(addresses=["fc00:3::e", "fc00:2::e"], segleft=2, lastentry=1, nh=4) /
         IP(src="10.1.0.5", dst="10.20.0.9") / TCP(sport=40001, dport=443, flags="A"))
    cases.append(("srv6-encaps-red-ipv4-tcp", p, lambda q: [
        ipv6_fields(q), srh_fields(q), ipv4_fields(q), ports(q, "tcp", TCP)]))

    # 6. SRH carrying Ethernet (next header 143, RFC 8986 s10.1), inner IPv6 ICMPv6 echo.
    p = (Ether(src=MAC_A, dst=MAC_B) / IPv6(src="2001:db8::a", dst="fc00:9::d") /
         IPv6ExtHdrSegmentRouting(addresses=["fc00:9::d"], segleft=0, lastentry=0, nh=143) /
         Ether(src="02:00:00:00:02:01", dst="02:00:00:00:02:02") /
         IPv6(src="2001:db8:5::1", dst="2001:db8:5::2") / ICMPv6EchoRequest(id=3, seq=4))
    cases.append(("srv6-ethernet-icmpv6", p, lambda q: [
        # scapy has no binding for next header 143: the inner frame (at 14 + 40 + 24) on its own.
        ipv6_fields(q), srh_fields(q), dict(ipv6_fields(Ether(bytes(q)[78:])), nth=1),
        {"layer": "ethernet", "nth": 1, "fields": {"src": "02:00:00:00:02:01", "dst": "02:00:00:00:02:02"}},
        {"layer": "icmpv6", "nth": 0, "fields": {"type": 128, "code": 0, "ident": 3, "seq": 4}}]))

    # 7. NSH in NSH (next protocol 4), inner IPv4/UDP.
    p = (Ether(src=MAC_A, dst=MAC_B) / NSH(mdtype=1, nextproto=4, spi=1, si=9) /
         NSH(mdtype=1, nextproto=1, spi=2, si=8) / IP(src="10.9.0.1", dst="10.9.0.2") / UDP(sport=7, dport=9))
    cases.append(("nsh-in-nsh", p, lambda q: [nsh_fields(q, 0), nsh_fields(q, 1), ipv4_fields(q), ports(q, "udp", UDP)]))
    return cases


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scapy_sfc_packets.py OUT.pcap")
    cases = build()
    packets = []
    out = []
    for name, pkt, expect in cases:
        raw = bytes(pkt)
        packets.append(Ether(raw))
        # Expected fields come from scapy dissecting the bytes it wrote.
        out.append({"name": name, "length": len(raw), "expect": expect(Ether(raw))})
    wrpcap(sys.argv[1], packets)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
