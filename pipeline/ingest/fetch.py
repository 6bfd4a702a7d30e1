"""HTTP for the feed poller: httpx, asynchronous, bounded in time, size and reach.

Every request:

* goes only to http(s) URLs of public addresses (:mod:`pipeline.ingest.urlguard`), redirects
  included: they are followed here, at most :data:`MAX_REDIRECTS`, each hop checked;
* waits for its host's slot first (:class:`HostRateLimiter`: one request per
  ``per_host_interval_seconds`` to one ``host:port``, feeds and article pages alike);
* then has ``timeout_seconds`` for everything — connect, redirects, headers and the whole body
  (a server that trickles bytes is cut off at the deadline, not per read);
* reads the body streamed, refusing it past ``max_bytes`` on the wire and past
  ``max_decompressed_bytes`` once gzip / deflate is undone (decompression is bounded chunk by
  chunk, so a small "zip bomb" never expands in memory beyond the cap);
* is conditional when the caller passes an ETag / Last-Modified: a 304 answers None.

Failures raise :class:`FetchError` with a bounded ``result`` label; a 429 or 503 carries the
server's ``Retry-After`` in seconds for the caller's backoff.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.config import FeedSettings
from pipeline.ingest.urlguard import BlockedURL, check_url, guarded_transport

MAX_REDIRECTS = 10
MAX_RETRY_AFTER = 86_400.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A request failed; ``result`` is its poll-result label, ``retry_after`` in seconds."""

    def __init__(self, result: str, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.result = result
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    body: bytes  # decoded from gzip / deflate
    url: str  # after redirects, for resolving relative links
    etag: str | None
    last_modified: str | None
    content_type: str  # the Content-Type header ("" when absent)
    charset: str | None


class HostRateLimiter:
    """At most one request per ``min_interval`` seconds to one host (``host:port``).

    Slots are reserved without an ``await`` between reading and writing the next free time, so
    concurrent tasks on one event loop queue up in order.
    """

    def __init__(self, min_interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._next: dict[str, float] = {}

    def reserve(self, url: str) -> float:
        """Seconds to wait before requesting ``url``; the slot is taken."""
        host = urlsplit(url).netloc.lower()
        now = self._clock()
        start = max(now, self._next.get(host, now))
        self._next[host] = start + self.min_interval
        if len(self._next) > 1000:
            self._next = {h: t for h, t in self._next.items() if t > now}
        return start - now

    async def wait(self, url: str) -> None:
        delay = self.reserve(url)
        if delay > 0:
            await asyncio.sleep(delay)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), capped at a day."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class _Decoder:
    """gzip / deflate undone with a cap on the output, whatever the compression ratio."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.encoding = encoding
        self._z: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding not in ("", "identity", "deflate"):
            raise FetchError("network_error", f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        if self._z is None and self.encoding == "deflate" and data:
            # "deflate" is zlib-wrapped per the RFC, raw deflate from some servers.
            zlib_header = (
                (data[0] & 0x0F) == 8 and len(data) > 1 and (data[0] << 8 | data[1]) % 31 == 0
            )
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        if self._z is None:
            return self._count(data)
        out = []
        try:
            while data:
                chunk = self._z.decompress(data, self.limit - self.size + 1)
                out.append(self._count(chunk))
                data = self._z.unconsumed_tail
        except zlib.error as exc:
            raise FetchError("network_error", f"bad {self.encoding} body: {exc}") from exc
        return b"".join(out)

    def _count(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.limit:
            raise FetchError("too_large", f"more than {self.limit} bytes once decompressed")
        return chunk


class HttpFetcher:
    """GETs under the rules of the module docstring; one httpx client, reused."""

    def __init__(self, settings: FeedSettings, limiter: HostRateLimiter,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:  # fmt: skip
        self.settings = settings
        self.limiter = limiter
        self._client = httpx.AsyncClient(
            transport=transport or guarded_transport(settings.allowed_hosts),
            trust_env=False,  # a proxy from the environment would resolve hosts unchecked
            follow_redirects=False,  # followed in fetch(), each hop checked
            timeout=settings.timeout_seconds,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, etag: str | None = None, modified: str | None = None
                    ) -> Fetched | None:  # fmt: skip
        """The response, or None for 304 Not Modified; raises :class:`FetchError`."""
        try:
            check_url(url)
        except BlockedURL as exc:
            raise FetchError("blocked", str(exc)) from exc
        headers = {"Accept": "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        await self.limiter.wait(url)
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                return await self._follow(url, headers)
        except TimeoutError as exc:
            raise FetchError("timeout", f"{url}: no complete answer in "
                             f"{self.settings.timeout_seconds:g}s") from exc  # fmt: skip
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{url}: {type(exc).__name__}") from exc
        except BlockedURL as exc:
            raise FetchError("blocked", f"{url}: {exc}") from exc
        except httpx.HTTPError as exc:  # connect, read, protocol, invalid URL errors
            raise FetchError("network_error", f"{url}: {type(exc).__name__}: {exc}") from exc

    async def _follow(self, url: str, headers: dict[str, str]) -> Fetched | None:
        for _ in range(MAX_REDIRECTS + 1):
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                location = response.headers.get("Location")
                if response.status_code in _REDIRECTS and location:
                    url = check_url(urljoin(str(response.url), location))
                    continue
                return await self._answer(response, url)
            finally:
                await response.aclose()
        raise FetchError("http_error", f"more than {MAX_REDIRECTS} redirects from {url}")

    async def _answer(self, response: httpx.Response, url: str) -> Fetched | None:
        status = response.status_code
        if status == 304:
            return None
        if status in (429, 503):
            wait = retry_after(response.headers.get("Retry-After"))
            raise FetchError("rate_limited", f"HTTP {status} from {url}", wait)
        if status >= 400 or status < 200:
            raise FetchError("http_error", f"HTTP {status} from {url}")
        limit = self.settings.max_bytes
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError("too_large", f"Content-Length {length} > {limit} bytes")
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        decoder = _Decoder(encoding, self.settings.max_decompressed_bytes)
        chunks, size = [], 0
        async for raw in response.aiter_raw():
            size += len(raw)
            if size > limit:
                raise FetchError("too_large", f"more than {limit} bytes")
            chunks.append(decoder.feed(raw))
        h = response.headers
        return Fetched(b"".join(chunks), str(response.url), h.get("ETag"), h.get("Last-Modified"),
                       h.get("Content-Type", ""), response.charset_encoding)  # fmt: skip
