"""A TCP server that accepts connections and never answers: a store that hangs."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

GUARD_SECONDS = 90  # closes every connection then, so that a missing timeout fails a test instead of hanging it


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """Listen on a free loopback port (yielded); accept, read nothing, answer nothing."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                accepted.append(listener.accept()[0])

    def shut() -> None:
        stop.set()
        for connection in accepted:
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    guard = threading.Timer(GUARD_SECONDS, shut)
    guard.start()
    try:
        yield listener.getsockname()[1]
    finally:
        guard.cancel()
        shut()
        thread.join()
        listener.close()
