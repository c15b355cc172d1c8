"""What the end-to-end scripts share: a stop flag for SIGTERM/SIGINT and a
bound AF_PACKET socket (stdlib only)."""
import signal
import socket

SO_RCVBUFFORCE = 33  # Linux; the socket module does not name it


def stop_flag():
    """A list that becomes non-empty on SIGTERM or SIGINT. A parent
    (Foundation's Process) may start us with both blocked: unblock them."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    return stop


def open_packet_socket(iface, ethertype):
    """A raw packet socket on IFACE for ETHERTYPE, with room for a TCP
    window's worth of frames while Python catches up, and a 0.2 s timeout
    so the caller can poll its stop flag."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype))
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    sock.bind((iface, ethertype))
    sock.settimeout(0.2)
    return sock
