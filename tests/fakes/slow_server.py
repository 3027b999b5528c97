"""Servers on loopback that misbehave below HTTP: one accepts and never answers, one trickles its answer."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def misbehaving_server(mode: str, interval: float = 0.2) -> Iterator[str]:
    """A server's base URL. `hang`: reads the request, never answers. `trickle`: answers 200 and then sends its
    body a byte every `interval` seconds, forever."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve(conn: socket.socket) -> None:
        conn.recv(65536)
        if mode == "trickle":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/atom+xml\r\nContent-Length: 100000\r\n\r\n")
        while not stop.wait(interval):
            if mode == "trickle":
                try:
                    conn.sendall(b"<")
                except OSError:
                    return

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
        time.sleep(0)
