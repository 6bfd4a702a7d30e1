"""What the feed poller may fetch: http(s) URLs of public hosts, nothing else.

Two checks, both needed:

* :func:`check_url` before a request and on every redirect: the scheme is ``http`` or
  ``https``, the URL parses, it names a host. ``file:``, ``ftp:``, ``gopher:`` and the like are
  refused, as are malformed URLs such as ``http://[::1/x``.
* :class:`GuardedBackend` when a connection is opened: the host name is resolved once and every
  address it resolves to must be public (not loopback, private, link-local such as the cloud
  metadata address 169.254.169.254, shared, reserved, multicast or unspecified); the connection
  goes to the address that was checked, so a DNS answer that changes between check and connect
  (rebinding) cannot slip a private address in.

Hosts named in ``NEWSFLOW_FEED_ALLOWED_HOSTS`` skip the address check (an intranet feed, or the
tests' servers on 127.0.0.1); the scheme check always applies.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Collection, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

SCHEMES = frozenset({"http", "https"})


class BlockedURL(ValueError):
    """A URL or address the poller refuses to fetch."""


def check_url(url: str) -> str:
    """``url`` if it is a well-formed http(s) URL with a host; else :class:`BlockedURL`."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError as exc:  # "Invalid IPv6 URL", bad port
        raise BlockedURL(f"malformed URL {url[:200]!r}: {exc}") from exc
    if parts.scheme.lower() not in SCHEMES:
        raise BlockedURL(f"only http and https are fetched, not {parts.scheme or 'no scheme'}:")
    if not host:
        raise BlockedURL(f"no host in {url[:200]!r}")
    return url


def safe_link(url: str | None) -> str | None:
    """``url`` when :func:`check_url` accepts it, else None (an item keeps its other fields)."""
    if not url:
        return None
    try:
        return check_url(url)
    except BlockedURL:
        return None


def is_public(address: str) -> bool:
    """True for a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _normal(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to public addresses (see module doc)."""

    def __init__(self, allowed_hosts: Iterable[str] = ()) -> None:
        self.allowed = frozenset(_normal(h) for h in allowed_hosts)
        self._inner = httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int) -> list[str]:
        """Addresses of ``host`` the poller may connect to; :class:`BlockedURL` if none."""
        host = _normal(host)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if host in self.allowed:
            return addresses
        refused = [a for a in addresses if not is_public(a)]
        if refused or not addresses:
            raise BlockedURL(
                f"{host} resolves to a non-public address ({', '.join(refused) or 'none'}); "
                "list it in NEWSFLOW_FEED_ALLOWED_HOSTS to allow it"
            )
        return addresses

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None,
                          ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        addresses = await self.resolve(host, port)
        error: Exception | None = None
        for address in addresses:  # TLS still verifies (and sends SNI for) the host name
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None,
                                  ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        raise BlockedURL("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(allowed_hosts: Collection[str] = ()) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections go through :class:`GuardedBackend`.

    httpx has no public hook for the network backend; its transport keeps the httpcore pool in
    ``_pool``, replaced here by an equivalent pool with the guarded backend (httpx pinned).
    """
    transport = httpx.AsyncHTTPTransport(retries=0)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=100,
        max_keepalive_connections=20,
        keepalive_expiry=5.0,
        http1=True,
        http2=False,
        network_backend=GuardedBackend(allowed_hosts),
    )
    return transport
