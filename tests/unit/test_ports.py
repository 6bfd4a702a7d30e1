"""Free ports for the servers the tools and tests start."""

from __future__ import annotations

import socket

import pytest

from pipeline.tools import ports


def test_free_ports_are_bindable_distinct_and_below_the_ephemeral_range() -> None:
    found = [ports.free_port() for _ in range(40)]
    assert len(set(found)) == len(found)
    floor = ports._ephemeral_floor()
    if floor > ports._LOWEST + 1_000:
        assert all(ports._LOWEST <= p < floor for p in found)
    for port in found[:5]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_kernel_with_no_room_below_its_range_still_gets_a_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ports, "_ephemeral_floor", lambda: ports._LOWEST)
    port = ports.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
