"""HTTP views of the trends on the worker's web server (Faust's, ``NEWSFLOW_WORKER_WEB_*``).

* ``GET /trends/entities?window=1h|24h&label=PERSON&limit=20`` — the entities named in most
  articles in the last hour / day. Every worker owns a disjoint set of entities, and a top
  list needs all of them, so the worker asked **merges**: it asks every other worker that
  holds a partition of the table for its own top ``limit`` (``scope=local``) and merges
  them with its own; the union of the workers' top ``limit`` holds the overall top ``limit``.
  If another worker does not answer, or one is reading its tables back after a rebalance,
  the answer is 503: a partial top list would be wrong.
* ``GET /stance?target=ceasefire[&holder=...]`` — the stance board of one target. One
  worker owns the target, so the request is **routed** to it (``app.table_route``) and
  answered from its table; any worker can be asked.

Only partitions this worker is assigned answer here, never the standby copies it keeps of
the others' (they may lag).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import aiohttp
import faust
from faust.web import Request, Response, View
from yarl import URL

from pipeline.trends import aggregate
from pipeline.trends.models import WINDOWS, TrendWindow
from pipeline.trends.tables import TrendTables, owned_partitions

MAX_LIMIT = 100
PEER_TIMEOUT_SECONDS = 5.0


class BadQuery(ValueError):
    """A query parameter out of range: the answer is 400 with this message."""


def entity_query(query: Mapping[str, str]) -> tuple[TrendWindow, str | None, int, bool]:
    """(window, label, limit, local only) from ``/trends/entities`` parameters."""
    window: TrendWindow
    match query.get("window", "1h"):
        case "1h":
            window = "1h"
        case "24h":
            window = "24h"
        case other:
            raise BadQuery(f"window must be one of {', '.join(WINDOWS)}, not {other!r}")
    limit_text = query.get("limit", "20")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise BadQuery(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return window, query.get("label") or None, int(limit_text), query.get("scope") == "local"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(round(ts, 3), UTC).isoformat().replace("+00:00", "Z")


def local_top(
    tables: TrendTables,
    window: TrendWindow,
    label: str | None,
    limit: int,
    owned: set[int],
    now: float,
) -> dict[str, Any]:
    """This worker's answer from the partitions it ``owned``: the top of the window that
    started at most one step before ``now`` (seconds), summed from the 5-minute buckets of
    the hour rows it covers. Buckets outside it are never read, expired from the table or
    not."""
    start = aggregate.window_start(window, now)
    end = start + WINDOWS[window][0]
    totals = tables.window_totals(window, start, owned=owned)
    return {
        "window": window,
        "window_start": _iso(start),
        "window_end": _iso(end),
        "label": label,
        "entities": aggregate.top_entities(totals.items(), label, limit),
        "partitions": sorted(owned),
    }


def register_views(
    app: faust.App,
    tables: TrendTables,
    portions_topic: str,
    clock: Callable[[], float] = time.time,
) -> None:
    """Add the two views to ``app``'s web server."""

    async def ask(url: str, request: Request) -> dict[str, Any]:
        target = (
            URL(url).with_path(request.url.path).with_query({**request.query, "scope": "local"})
        )
        timeout = aiohttp.ClientTimeout(total=PEER_TIMEOUT_SECONDS)
        async with app.http_client.get(target, timeout=timeout) as response:
            response.raise_for_status()
            answer: dict[str, Any] = await response.json()
            return answer

    @app.page("/trends/entities")
    class EntityTrends(View):
        async def get(self, request: Request) -> Response:
            try:
                window, label, limit, local_only = entity_query(request.query)
            except BadQuery as exc:
                return self.json({"error": str(exc)}, status=400)
            if app.rebalancing or app.in_recovery:  # rows being read back are not indexed yet
                return self.json({"error": "reading the tables back after a rebalance; "
                                  "ask again in a few seconds"}, status=503)  # fmt: skip
            mine = local_top(
                tables, window, label, limit, owned_partitions(app, portions_topic), clock()
            )
            if local_only:
                return self.json(mine)
            me = str(app.conf.canonical_url).rstrip("/")
            table_name = tables.entities.name
            holders = app.router.table_metadata(table_name).items()
            peers = [u for u, held in holders if any(held.values()) and u.rstrip("/") != me]
            try:
                answers = await asyncio.gather(*(ask(u, request) for u in peers))
            except (aiohttp.ClientError, TimeoutError) as exc:
                return self.json({"error": f"another worker did not answer: {exc}"}, status=503)
            merged = aggregate.merge_top(
                [mine["entities"], *(a["entities"] for a in answers)], limit
            )
            partitions = sorted(p for a in [mine, *answers] for p in a["partitions"])
            return self.json({**mine, "entities": merged, "partitions": partitions,
                              "workers": 1 + len(peers)})  # fmt: skip

    @app.page("/stance")
    class StanceBoard(View):
        async def get(self, request: Request) -> Response:
            if not request.query.get("target"):
                return self.json(
                    {"error": "target is required, e.g. ?target=ceasefire"}, status=400
                )
            return await self.routed(request)

        @app.table_route(table=tables.stance, query_param="target")  # type: ignore[arg-type]
        async def routed(self, request: Request) -> Response:
            target = request.query["target"]
            holder = request.query.get("holder")
            names = [
                h
                for h in tables.holders.holders(target)
                if not holder or h.casefold() == holder.casefold()
            ]
            board = {h: tables.stance.data.get(aggregate.row_key(target, h)) for h in names}
            rows = aggregate.board_rows(target, {h: e for h, e in board.items() if e})
            return self.json({
                "target": target,
                "holders": [r.model_dump(mode="json") for r in rows],
                "totals": {s: sum(getattr(r, s) for r in rows)
                           for s in ("favor", "against", "neutral")},
            })  # fmt: skip
