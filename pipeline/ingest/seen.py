"""The feed poller's memory: ids already published and each feed's ETag / Last-Modified, kept
in ``<state_dir>/feeds/seen.json`` so re-polls and restarts publish nothing twice."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import ConfigError


class SeenStore:
    """Ids already published plus each feed's ETag / Last-Modified, in one JSON file.

    File: ``{"version": 1, "seen": [oldest … newest ids], "validators": {url: {...}}}``,
    replaced atomically (temp file, fsync, rename) so a crash leaves the old or the new set,
    never half of one. Beyond ``max_seen`` ids the oldest are forgotten: feeds carry recent
    items only. An exclusive lock on ``<file>.lock`` keeps a second poller off the same file.
    """

    VERSION = 1

    def __init__(self, path: Path, max_seen: int = 50_000) -> None:
        self.path = path
        self.max_seen = max_seen
        self._seen: dict[str, None] = {}  # insertion-ordered: oldest first
        self.validators: dict[str, dict[str, str]] = {}
        self._dirty = False  # rewrite the file only when something changed
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(path.with_name(path.name + ".lock"), "w")  # noqa: SIM115
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            raise ConfigError(f"{path} is in use by another feed poller") from exc
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            seen, validators = data["seen"], data["validators"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.close()
            # Starting empty would re-publish every item of every feed: refuse instead.
            raise ConfigError(f"unreadable seen set {self.path} ({exc}); move it away "
                              "to start afresh") from exc  # fmt: skip
        self.add(str(i) for i in seen)
        self.validators = {str(u): dict(v) for u, v in validators.items()}
        self._dirty = False

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, ids: Iterable[str]) -> None:
        for item_id in ids:
            self._seen.pop(item_id, None)  # re-seen ids move to the newest end
            self._seen[item_id] = None
            self._dirty = True
        for old in list(self._seen)[: max(0, len(self._seen) - self.max_seen)]:
            del self._seen[old]

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        """Remember a feed's ETag / Last-Modified for its next conditional request."""
        new = {k: v for k, v in (("etag", etag), ("last_modified", last_modified)) if v}
        if self.validators.get(url, {}) != new:
            self.validators[url] = new
            self._dirty = True

    def save(self) -> None:
        """Write the file atomically if anything changed since the last save."""
        if not self._dirty:
            return
        data = {"version": self.VERSION, "seen": list(self._seen), "validators": self.validators}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".seen-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, separators=(",", ":"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
            self._dirty = False
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def close(self) -> None:
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
