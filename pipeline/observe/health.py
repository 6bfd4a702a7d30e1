"""``/healthz`` and ``/readyz`` beside ``/metrics`` on a process's metrics port.

* ``GET /healthz``: 200 while the process answers at all (liveness: restart it if not).
* ``GET /readyz``: 200 when every readiness check passes, else 503; the JSON body names each
  check and, for a failing one, why (``{"ready": false, "checks": {"assigned": "rebalancing"}}``).
* ``GET /metrics`` (and ``/``): Prometheus text format.

A check is a function returning ``None`` when fine or a short reason; it must be cheap and
thread-safe (it runs on the HTTP server's thread), so checks read state that the process's
own code updates (:class:`Readiness`), never the network.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

Check = Callable[[], str | None]


class Readiness:
    """Named checks that together say whether a process is ready."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def report(self) -> tuple[bool, dict[str, str]]:
        """(ready, name → "ok" or the reason it is not)."""
        results = {name: check() or "ok" for name, check in list(self._checks.items())}
        return all(r == "ok" for r in results.values()), results


class Flag:
    """A state a check reads: unset until :meth:`set` (with an optional reason while unset)."""

    def __init__(self, waiting_for: str) -> None:
        self._reason: str | None = waiting_for
        self.since = time.monotonic()

    def set(self) -> None:
        self._reason, self.since = None, time.monotonic()

    def unset(self, reason: str) -> None:
        self._reason, self.since = reason, time.monotonic()

    def __call__(self) -> str | None:
        return self._reason


def fresh_within(seconds: float, last: Callable[[], float | None], what: str) -> Check:
    """A check that fails until ``last()`` (a ``time.monotonic()`` reading) is recent."""

    def check() -> str | None:
        moment = last()
        if moment is None:
            return f"no {what} yet"
        age = time.monotonic() - moment
        return None if age <= seconds else f"last {what} {age:.0f} s ago (limit {seconds:.0f} s)"

    return check


def _handler(registry: CollectorRegistry, readiness: Readiness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                self._send(200, "application/json", b'{"alive": true}')
            elif path == "/readyz":
                ready, checks = readiness.report()
                body = json.dumps({"ready": ready, "checks": checks}).encode()
                self._send(200 if ready else 503, "application/json", body)
            elif path in ("/metrics", "/"):
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            else:
                self._send(404, "text/plain", b"not found: try /metrics, /healthz, /readyz\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per scrape would drown the process's own log

    return Handler


def serve_http(
    registry: CollectorRegistry, host: str, port: int, readiness: Readiness | None = None
) -> ThreadingHTTPServer:
    """Serve metrics and health in a daemon thread; the returned server can be shut down."""
    server = ThreadingHTTPServer((host, port), _handler(registry, readiness or Readiness()))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="newsflow-http", daemon=True).start()
    return server
