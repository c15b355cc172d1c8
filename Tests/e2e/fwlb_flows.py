#!/usr/bin/python3
"""Many checked, paced TCP flows at once, from chosen client ports (stdlib only).

  fwlb_flows.py server ADDRESS PORT
      Accepts connections until killed (one thread each). For each: reads
      until the client shuts its side down, hashing what arrives, then
      answers with one JSON line {"received", "sha256", "max_gap_ms"}
      (max_gap_ms: the longest wait between two reads, the outage as the
      receiver saw it) and closes. Prints "listening" once bound and one
      JSON line per connection.
  fwlb_flows.py clients ADDRESS PORT STOP_FILE STALL_SECONDS CHUNK SPORT...
      One flow per SPORT (bound to that source port), all at once: each sends
      CHUNK bytes of pseudo-random data (seeded by its port) every 10 ms until
      STOP_FILE exists, then shuts its sending side down, reads the answer
      and the server's close, and checks the digest. A flow that makes no progress for STALL_SECONDS
      ends as "stalled"; one reset by the peer as "reset". Prints
      "connected SPORT" (or "failed SPORT ...") as each connects, one JSON
      line per flow at its end {"sport", "ok", "error", "sent",
      "server_received", "max_gap_ms", "seconds"}, and "done" when all ended.
"""
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time

print_lock = threading.Lock()


def say(line):
    with print_lock:
        print(line, flush=True)


def serve_one(conn, peer):
    conn.settimeout(120)
    digest, received, gap, last = hashlib.sha256(), 0, 0.0, time.monotonic()
    try:
        while True:
            chunk = conn.recv(65536)
            now = time.monotonic()
            gap, last = max(gap, now - last), now
            if not chunk:
                break
            digest.update(chunk)
            received += len(chunk)
        answer = {"received": received, "sha256": digest.hexdigest(), "max_gap_ms": round(gap * 1000, 1)}
        conn.sendall(json.dumps(answer).encode() + b"\n")
        answer["peer_port"] = peer[1]
        say(json.dumps(answer))
    except OSError as error:
        say(json.dumps({"peer_port": peer[1], "error": str(error), "received": received}))
    finally:
        conn.close()


def server(address, port):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(128)
    say("listening")
    while True:
        conn, peer = listener.accept()
        threading.Thread(target=serve_one, args=(conn, peer), daemon=True).start()


def flow(address, port, sport, stop_file, stall, chunk_size):
    result = {"sport": sport, "ok": False, "error": None, "sent": 0}
    started = time.monotonic()
    digest = hashlib.sha256()
    source = random.Random(sport)
    conn = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        conn.bind(("", sport))
        conn.settimeout(stall)
        conn.connect((address, port))
    except OSError as error:
        say("failed %d %s" % (sport, error))
        result["error"] = "connect: %s" % error
        conn.close()
        return result
    say("connected %d" % sport)
    try:
        while not os.path.exists(stop_file):
            chunk = source.randbytes(chunk_size)
            conn.sendall(chunk)
            digest.update(chunk)
            result["sent"] += len(chunk)
            time.sleep(0.01)
        conn.shutdown(socket.SHUT_WR)
        answer = bytearray()
        while not answer.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
        # Then the server's FIN: a flow ends when both sides closed, so
        # nothing of it (the FIN, its ACK) is still on the wire once every
        # flow printed its result (a drained instance is removed after).
        while answer.endswith(b"\n") and conn.recv(4096):
            pass
        header = json.loads(bytes(answer)) if answer.endswith(b"\n") else {}
        result["server_received"] = header.get("received")
        result["max_gap_ms"] = header.get("max_gap_ms")
        result["ok"] = header.get("sha256") == digest.hexdigest() and header.get("received") == result["sent"]
        if not result["ok"]:
            result["error"] = "digest or length differ: %r" % header
    except socket.timeout:
        result["error"] = "stalled"
    except (ConnectionResetError, BrokenPipeError):
        result["error"] = "reset"
    except OSError as error:
        result["error"] = str(error)
    finally:
        conn.close()
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def clients(address, port, stop_file, stall, chunk_size, sports):
    threads = []
    for sport in sports:
        t = threading.Thread(target=lambda s=sport: say(json.dumps(flow(address, port, s, stop_file, stall, chunk_size))))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    say("done")


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "server":
        server(args[0], int(args[1]))
    elif mode == "clients":
        clients(args[0], int(args[1]), args[2], float(args[3]), int(args[4]), [int(p) for p in args[5:]])
    else:
        sys.exit("unknown mode %r" % mode)


if __name__ == "__main__":
    main()
