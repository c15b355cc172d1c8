#!/usr/bin/python3
"""Steady UDP traffic for sfc-lab's soak (`make soak`, README "Soak").

  soak_udp.py server ADDRESS PORT
      Echoes every datagram back to its sender. Prints "listening" once
      bound; on SIGTERM prints one JSON line {"received", "echoed"} and exits.
  soak_udp.py client ADDRESS PORT PPS FLOWS LIFE
      Sends PPS datagrams a second in total, round robin over FLOWS UDP
      sockets (a flow each: its own source port), paced on the clock (sends
      late by up to 100 ms are caught up; later, the pacing restarts, so a
      stalled machine never gets a long burst). Each flow is
      replaced by a new socket after LIFE seconds, staggered (FLOWS / LIFE new
      flows a second), so new flows keep reaching the load balancer and old
      ones expire from the forwarder's affinity table. A replaced socket keeps
      receiving for LIFE more seconds: a late echo never meets a closed port
      (whose ICMP error would be traffic nobody sent). Prints "sending"; on
      SIGTERM stops sending, receives for 2 s more and prints one JSON line
      {"sent", "received", "flows", "send_errors"}.
"""
import json, select, signal, socket, sys, time

stop = False


def on_term(signum, frame):
    global stop
    stop = True


def server(address, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((address, port))
    received = echoed = 0
    print("listening", flush=True)
    while not stop:
        try:
            ready, _, _ = select.select([s], [], [], 0.2)
        except InterruptedError:
            continue
        if not ready:
            continue
        try:
            data, peer = s.recvfrom(2048)
        except OSError:
            continue
        received += 1
        try:
            s.sendto(data, peer)
            echoed += 1
        except OSError:
            pass
    print(json.dumps({"received": received, "echoed": echoed}), flush=True)


def client(address, port, pps, flows, life):
    def new_flow():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.setblocking(False)
        s.connect((address, port))
        return s

    start = time.monotonic()
    # (socket, replace at); retired sockets: (socket, close at).
    live = [(new_flow(), start + life * (i + 1) / flows) for i in range(flows)]
    retired = []
    opened = flows
    sent = received = errors = n = 0
    base, k = start, 0
    payload = bytearray(128)
    print("sending", flush=True)

    def drain(timeout):
        nonlocal received
        socks = [s for s, _ in live] + [s for s, _ in retired]
        try:
            ready, _, _ = select.select(socks, [], [], max(0.0, timeout))
        except InterruptedError:
            return
        for s in ready:
            while True:
                try:
                    s.recv(2048)
                    received += 1
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break

    while not stop:
        now = time.monotonic()
        for i, (s, until) in enumerate(live):
            if now >= until:
                retired.append((s, now + life))
                live[i] = (new_flow(), until + life)
                opened += 1
        for s, until in [r for r in retired if now >= r[1]]:
            s.close()
        retired = [r for r in retired if now < r[1]]
        due = base + k / pps
        if now < due:
            drain(due - now)
            continue
        if now - due > 0.1:
            base, k = now, 0
        s = live[n % flows][0]
        payload[0:8] = n.to_bytes(8, "big")
        try:
            s.send(payload)
            sent += 1
        except OSError:
            errors += 1
        n += 1
        k += 1
    end = time.monotonic() + 2
    while time.monotonic() < end:
        drain(end - time.monotonic())
    print(json.dumps({"sent": sent, "received": received, "flows": opened, "send_errors": errors}), flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]))
    else:
        sys.exit("usage: soak_udp.py server ADDRESS PORT | client ADDRESS PORT PPS FLOWS LIFE")
