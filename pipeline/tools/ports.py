"""Free local ports for the servers the side tools and the tests start (brokers, /metrics)."""

from __future__ import annotations

import random
import socket
from pathlib import Path

_HANDED_OUT: set[int] = set()
_LOWEST = 20_000


def _ephemeral_floor() -> int:
    """The first port the kernel hands out on its own (Linux: 32768 unless tuned)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range, never the same one twice in a
    process. A port from ``bind(0)`` is an ephemeral one, which the kernel may give any
    outgoing connection (a Kafka client's, a test beside this one) before the server meant
    for it binds it (a broker once failed to start with "Address already in use" that way);
    a port below the range is taken only by someone binding it on purpose."""
    floor = _ephemeral_floor()
    draw = random.Random()
    tries = 500 if floor > _LOWEST + 1_000 else 0  # a tuned kernel may leave no room below
    for _ in range(tries):
        port = draw.randrange(_LOWEST, floor)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
