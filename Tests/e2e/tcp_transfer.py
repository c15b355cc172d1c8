#!/usr/bin/python3
"""A checked TCP transfer in both directions, and a reachability probe (stdlib only).

  tcp_transfer.py server ADDRESS PORT REPLY_BYTES TIMEOUT
      Accepts one connection, reads until the client shuts its side down,
      answers with one JSON line {"received", "sha256"} followed by
      REPLY_BYTES of pseudo-random data (seed 2), then closes. Prints
      "listening" once bound, and its own JSON summary at the end.
  tcp_transfer.py client ADDRESS PORT SEND_BYTES REPLY_BYTES TIMEOUT
      Connects, sends SEND_BYTES of pseudo-random data (seed 1), shuts down
      its sending side, reads the answer to EOF and checks both digests.
      Prints a JSON summary; "ok" is true when both directions match.
  tcp_transfer.py client-until ADDRESS PORT STOP_FILE REPLY_BYTES TIMEOUT
      Like client, but paced: sends 16 KiB every 10 ms until STOP_FILE
      exists (a transfer that outlasts whatever the test does meanwhile,
      e.g. 100 reloads), then shuts down and checks both digests.
  tcp_transfer.py probe ADDRESS PORT TIMEOUT
      Tries to connect; prints {"result": "connected" | "refused" | "timeout"}.
"""
import hashlib
import json
import os
import random
import socket
import sys
import time


def payload(seed, size):
    return random.Random(seed).randbytes(size)


def server(address, port, reply_bytes, timeout):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(1)
    listener.settimeout(timeout)
    print("listening", flush=True)
    conn, peer = listener.accept()
    conn.settimeout(timeout)
    digest, received = hashlib.sha256(), 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        digest.update(chunk)
        received += len(chunk)
    header = json.dumps({"received": received, "sha256": digest.hexdigest()}).encode() + b"\n"
    conn.sendall(header + payload(2, reply_bytes))
    conn.close()
    print(json.dumps({"peer": peer[0], "received": received, "sha256": digest.hexdigest(),
                      "sent": reply_bytes}), flush=True)


def client(address, port, send_bytes, reply_bytes, timeout, stop_file=None):
    data = payload(1, send_bytes) if stop_file is None else bytearray()
    started = time.monotonic()
    conn = socket.create_connection((address, port), timeout=timeout)
    if stop_file is None:
        conn.sendall(data)
    else:
        source = random.Random(1)
        while not os.path.exists(stop_file):
            chunk = source.randbytes(16384)
            conn.sendall(chunk)
            data += chunk
            time.sleep(0.01)
        send_bytes = len(data)
    conn.shutdown(socket.SHUT_WR)
    answer = bytearray()
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        answer += chunk
    conn.close()
    elapsed = time.monotonic() - started
    line, _, reply = bytes(answer).partition(b"\n")
    header = json.loads(line) if line else {}
    sent_sha = hashlib.sha256(data).hexdigest()
    reply_sha = hashlib.sha256(reply).hexdigest()
    expected_reply_sha = hashlib.sha256(payload(2, reply_bytes)).hexdigest()
    print(json.dumps({
        "sent": send_bytes, "sent_sha256": sent_sha,
        "server_received": header.get("received"), "server_sha256": header.get("sha256"),
        "reply_bytes": len(reply), "reply_sha256": reply_sha, "expected_reply_sha256": expected_reply_sha,
        "seconds": round(elapsed, 3),
        "ok": header.get("sha256") == sent_sha and header.get("received") == send_bytes
              and len(reply) == reply_bytes and reply_sha == expected_reply_sha,
    }), flush=True)


def probe(address, port, timeout):
    try:
        socket.create_connection((address, port), timeout=timeout).close()
        result = "connected"
    except ConnectionRefusedError:
        result = "refused"
    except socket.timeout:
        result = "timeout"
    except OSError as error:
        result = "error: %s" % error
    print(json.dumps({"result": result}), flush=True)


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "server":
        server(args[0], int(args[1]), int(args[2]), float(args[3]))
    elif mode == "client":
        client(args[0], int(args[1]), int(args[2]), int(args[3]), float(args[4]))
    elif mode == "client-until":
        client(args[0], int(args[1]), 0, int(args[3]), float(args[4]), stop_file=args[2])
    elif mode == "probe":
        probe(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit("unknown mode %r" % mode)


if __name__ == "__main__":
    main()
