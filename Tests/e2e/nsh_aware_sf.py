#!/usr/bin/python3
"""An NSH-aware service function for the end-to-end test (stdlib only).

Usage: nsh_aware_sf.py IFACE STATS.json

Listens on IFACE for Ethernet frames of ethertype 0x894F (NSH, RFC 8300),
decrements the Service Index (byte 7 of the NSH base + service path header),
swaps the Ethernet addresses and sends the frame back to the forwarder it
came from. It leaves TTL, SPI and metadata alone: RFC 8300 s2.3 makes SI the
function's job, TTL the forwarder's.

Prints "ready" once the socket is bound. On SIGTERM or SIGINT it writes what
it saw to STATS.json: frames per SPI, the (SPI, SI, TTL) triples received,
and frames it refused (not NSH version 0 / MD type 1 / length 6, or SI 0).
"""
import json
import socket
import struct
import sys

from packet_socket import open_packet_socket, stop_flag

ETH_P_NSH = 0x894F
PACKET_OUTGOING = 4


def main():
    iface, stats_path = sys.argv[1], sys.argv[2]
    stop = stop_flag()
    sock = open_packet_socket(iface, ETH_P_NSH)
    print("ready", flush=True)

    by_spi = {}
    paths = set()
    refused = 0
    returned = 0
    while not stop:
        try:
            frame, address = sock.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if address[2] == PACKET_OUTGOING or len(frame) < 14 + 24:
            continue
        nsh = frame[14:]
        version = nsh[0] >> 6
        ttl = ((nsh[0] & 0x0F) << 2) | (nsh[1] >> 6)
        length = nsh[1] & 0x3F
        md_type = nsh[2] & 0x0F
        spi = struct.unpack("!I", b"\x00" + nsh[4:7])[0]
        si = nsh[7]
        if version != 0 or md_type != 1 or length != 6 or si == 0:
            refused += 1
            continue
        by_spi[str(spi)] = by_spi.get(str(spi), 0) + 1
        paths.add((spi, si, ttl))
        out = bytearray(frame)
        out[0:6], out[6:12] = frame[6:12], frame[0:6]
        out[14 + 7] = si - 1
        sock.send(bytes(out))
        returned += 1

    stats = {"by_spi": by_spi, "returned": returned, "refused": refused,
             "paths": [{"spi": p[0], "si": p[1], "ttl": p[2]} for p in sorted(paths)]}
    with open(stats_path, "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
