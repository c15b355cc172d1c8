#!/usr/bin/python3
"""Records every frame IFACE receives into a pcap file (stdlib only).

Usage: capture.py IFACE OUT.pcap

A packet socket of the namespace the script runs in; frames this host sends
are left out, so the file holds exactly what was delivered to it. The kernel
takes an 802.1Q tag out of the frame before packet sockets see it; the tag is
put back from the socket's auxiliary data, so a tagged delivery shows as one.
Prints "ready" once the socket is bound; stops on SIGTERM or SIGINT.
"""
import socket
import struct
import sys
import time

from packet_socket import open_packet_socket, stop_flag

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
TP_STATUS_VLAN_TPID_VALID = 1 << 6


def main():
    iface, path = sys.argv[1], sys.argv[2]
    stop = stop_flag()
    sock = open_packet_socket(iface, ETH_P_ALL)
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    with open(path, "wb") as out:
        # pcap global header: microsecond timestamps, snaplen 65535, Ethernet.
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        out.flush()
        print("ready", flush=True)
        while not stop:
            try:
                frame, ancillary, _, address = sock.recvmsg(65535, socket.CMSG_SPACE(20))
            except (socket.timeout, InterruptedError):
                continue
            if address[2] == PACKET_OUTGOING:
                continue
            for level, kind, data in ancillary:
                if level != SOL_PACKET or kind != PACKET_AUXDATA or len(data) < 20:
                    continue
                status, _, _, _, _, tci, tpid = struct.unpack("<IIIHHHH", data[:20])
                if status & TP_STATUS_VLAN_VALID:
                    if not status & TP_STATUS_VLAN_TPID_VALID:
                        tpid = 0x8100
                    frame = frame[:12] + struct.pack("!HH", tpid, tci) + frame[12:]
            now = time.time()
            out.write(struct.pack("<IIII", int(now), int((now % 1) * 1e6), len(frame), len(frame)))
            out.write(frame)
            out.flush()


if __name__ == "__main__":
    main()
