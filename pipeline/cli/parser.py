"""The ``newsflow`` command line: every command and option with its help, the environment
variables and the exit codes (``newsflow --help``, ``newsflow COMMAND --help``)."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from pathlib import Path

from pipeline import __version__
from pipeline.cli import commands as run
from pipeline.config import setting_names

DESCRIPTION = """\
Newsflow enriches live news on Kafka: articles published to the raw topic are read by
workers that add entities, stance tags and tone, and write the results to the enriched,
entity and stance topics; anything that cannot be enriched goes to the dead-letter topic
with its reason. Run "newsflow COMMAND --help" for a command's options."""

# (exit code, meaning); every NewsflowError's code is here (tests/unit/test_cli_help.py).
EXIT_CODES = (
    (0, "success"),
    (1, "partly failed: produce could not send a record, feed --once had a failed poll, "
        "kafka status found the broker stopped"),
    (2, "bad arguments or settings: an invalid or unknown NEWSFLOW_* value, a bad --config "
        "file, a file a setting names that is missing or unwritable, a port in use"),
    (3, "a tool or package is missing: java or mvn for the local broker, or an install extra "
        "(pip install 'newsflow[worker]' or 'newsflow[train]')"),
    (4, "the local broker failed to start or stop"),
    (5, "Kafka cannot be reached, or a request to it failed"),
    (6, "an input file cannot be read"),
    (7, "demo: the articles were not seen through"),
    (8, "bench: a phase could not complete"),
    (9, "Kafka refused the SASL login (the message names user and mechanism)"),
    (10, "the worker stopped on a fatal error (a non-retriable Kafka error, a task dying)"),
    (130, "interrupted (Ctrl-C)"),
)  # fmt: skip

# The settings groups each command reads, listed in its help.
GROUPS = {
    "kafka": ("broker", "kafka", "state_dir"),
    "topics": ("kafka", "topics"),
    "worker": ("kafka", "topics", "worker", "trends", "enrich", "metrics"),
    "produce": ("kafka", "topics"),
    "consume": ("kafka", "topics"),
    "feed": ("kafka", "topics", "feed", "state_dir"),
    "serve": ("kafka", "topics", "serve"),
    "replay": ("kafka", "topics", "worker", "enrich"),
    "deadletter": ("kafka", "topics", "worker"),
    "bench": ("kafka", "broker", "topics", "worker", "enrich", "metrics"),
    "demo": ("kafka", "broker", "topics", "worker", "enrich", "metrics", "state_dir"),
    "eval": ("enrich",),
    "train": ("enrich",),
    "config": (),
    "schemas": (),
}


def _wrap(text: str, indent: str = "  ", hang: str = "       ") -> str:
    return textwrap.fill(text, 92, initial_indent=indent, subsequent_indent=hang)


def _variables(groups: tuple[str, ...] | None = None) -> str:
    """The NEWSFLOW_* names of ``groups`` (all when None), one paragraph per group."""
    names = setting_names()
    nested = {path[0] for path in names.values() if len(path) == 2}
    by_group: dict[str, list[str]] = {}
    for name, path in names.items():
        if (groups is not None and path[0] not in groups) or (path[0] in nested and len(path) == 1):
            continue
        if len(path) == 2:
            by_group.setdefault(f"NEWSFLOW_{path[0].upper()}_", []).append(path[1].upper())
        else:
            by_group.setdefault("", []).append(name)
    return "\n".join(
        _wrap(f"{prefix}{'*: ' if prefix else ''}{', '.join(fields)}", hang="    ")
        for prefix, fields in by_group.items()
    )


def _epilog(command: str | None) -> str:
    common = ("log_level", "log_format")
    groups = None if command is None else (*GROUPS[command], *common)
    codes = "\n".join(_wrap(f"{code:<4} {meaning}") for code, meaning in EXIT_CODES)
    return (
        "settings (environment variables, also read from .env and --config FILE.toml;\n"
        '"newsflow config show" prints each with its value; README: Configuration):\n'
        f"{_variables(groups)}\n\nexit codes (errors are one line on stderr):\n{codes}"
    )


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=96)


def _json(p: argparse.ArgumentParser, what: str = "the result") -> None:
    p.add_argument("--json", action="store_true", help=f"print {what} as JSON (for scripts)")


def _config_option(p: argparse.ArgumentParser, default: object) -> None:
    p.add_argument(
        "--config", type=Path, default=default, metavar="FILE.toml",
        help="read settings from this TOML file: top-level names and [group] tables as in "
        "the variables (NEWSFLOW_KAFKA_BOOTSTRAP is bootstrap under [kafka]); .env and the "
        "environment override it",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsflow", description=DESCRIPTION, epilog=_epilog(None), formatter_class=_Formatter
    )
    parser.add_argument("--version", action="version", version=f"newsflow {__version__}",
                        help="print the version and exit")  # fmt: skip
    _config_option(parser, None)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=textwrap.fill(description, 92),
                           epilog=_epilog(name), formatter_class=_Formatter)  # fmt: skip
        # Accepted after the command too; SUPPRESS keeps a value given before it.
        _config_option(p, argparse.SUPPRESS)
        return p

    kafka = command(
        "kafka", "run the embedded single-node Kafka (KRaft) for local use",
        "Start, stop or check the local broker under NEWSFLOW_STATE_DIR (needs java; the "
        "first start downloads Kafka with mvn). With NEWSFLOW_KAFKA_BOOTSTRAP set, that "
        "cluster is used and no local broker is managed.",
    )  # fmt: skip
    kafka.add_argument("action", choices=["start", "stop", "status"],
                       help="start (waits until it answers), stop, or status (exit 1 when "
                       "stopped)")  # fmt: skip
    _json(kafka, "the broker's state")
    kafka.set_defaults(handler=run.kafka)

    topics = command("topics", "create Newsflow's topics (idempotent)",
                     "Create the raw, enriched, entity, stance and dead-letter topics that do "
                     "not exist yet, with NEWSFLOW_TOPICS_PARTITIONS partitions.")  # fmt: skip
    topics.add_argument("action", choices=["create"], help="create the missing topics")
    _json(topics, "each topic and whether it was created")
    topics.set_defaults(handler=run.topics)

    command("worker", "run the enrichment worker until stopped",
            "Read the raw topic, enrich each article in NEWSFLOW_WORKER_PROCESSES NLP processes "
            "and write the results; /metrics, /healthz and /readyz on NEWSFLOW_METRICS_PORT. "
            "Stops on SIGTERM or Ctrl-C after committing finished work.",
            ).set_defaults(handler=run.worker)  # fmt: skip

    produce = command("produce", "publish articles from files, folders or stdin",
                      "Publish articles (JSON, JSON lines or a folder of them; - reads JSON "
                      "lines from stdin as they arrive) to the raw topic.")  # fmt: skip
    produce.add_argument("paths", nargs="+", metavar="PATH", help="a file, a folder, or -")
    _json(produce, "the summary")
    produce.set_defaults(handler=run.produce)

    consume = command("consume", "print a topic's events, one per line",
                      "Print events from an output topic (read_committed) as JSON lines or a "
                      "table, optionally filtered.")  # fmt: skip
    consume.add_argument(
        "topic",
        help="an output topic: news.enriched, news.entities, news.stance, "
        "news.stories, news.trends or news.deadletter (or their configured names)",
    )
    consume.add_argument(
        "--from-beginning",
        action="store_true",
        help="start at the oldest event (default: only new events)",
    )
    consume.add_argument(
        "--max",
        type=_count,
        default=None,
        metavar="N",
        help="stop after N events (0 prints nothing)",
    )
    consume.add_argument(
        "--group",
        default=None,
        metavar="NAME",
        help="read as this consumer group: a later run resumes where it "
        "stopped (default: no group, nothing remembered)",
    )
    consume.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="stop after S seconds without a new event (default: follow)",
    )
    consume.add_argument(
        "--envelope",
        action="store_true",
        help="wrap each event with its topic, partition, offset and key",
    )
    consume.add_argument(
        "--format",
        choices=["jsonl", "table"],
        default="jsonl",
        help="jsonl (default) or a one-line table row per event",
    )
    consume.add_argument(
        "--entity",
        metavar="NAME",
        help="only events about this entity (canonical name, case-insensitive)",
    )
    consume.add_argument(
        "--label",
        metavar="LABEL",
        help="only events with an entity of this label, e.g. PERSON, ORG, GPE",
    )
    consume.add_argument("--holder", metavar="NAME", help="only stance tags held by this entity")
    consume.add_argument("--target", metavar="NAME", help="only stance tags toward this target")
    consume.add_argument(
        "--stance",
        choices=["favor", "against", "neutral"],
        help="only stance tags with this stance",
    )
    consume.add_argument("--since", metavar="TIME", help="only events published since TIME: "
                         "ISO 8601 (UTC if no zone) or 30m / 2h / 1d ago; implies "
                         "--from-beginning")  # fmt: skip
    consume.set_defaults(handler=run.consume)

    feed = command("feed", "poll RSS / Atom feeds and publish new items",
                   "Poll feeds and publish each new item once to the raw topic (the ids seen "
                   "are kept in NEWSFLOW_FEED_STATE_FILE); /metrics, /healthz and /readyz on "
                   "NEWSFLOW_FEED_METRICS_PORT while it runs.")  # fmt: skip
    feed.add_argument("urls", nargs="*", metavar="URL", help="feed URLs (http or https)")
    feed.add_argument("--feeds", type=Path, default=None, metavar="FILE.yaml",
                      help="a feed list: URLs with optional per-feed settings "
                      "(README: Feeding live news)")  # fmt: skip
    feed.add_argument("--interval", type=float, default=None, metavar="S",
                      help="seconds between polls of a feed (default "
                      "NEWSFLOW_FEED_INTERVAL_SECONDS)")  # fmt: skip
    feed.add_argument(
        "--once", action="store_true", help="poll each feed once and exit; exit 1 if a poll failed"
    )
    feed.add_argument(
        "--fetch-full-text",
        action="store_true",
        help="take each new item's body from its web page (trafilatura)",
    )
    _json(feed, "the summary of a --once run")
    feed.set_defaults(handler=run.feed)

    command("serve", "HTTP ingest: POST /articles to the raw topic",
            "Accept articles over HTTP (POST /articles, JSON or JSON lines) on "
            "NEWSFLOW_SERVE_HOST:NEWSFLOW_SERVE_PORT, with a bearer token when "
            "NEWSFLOW_SERVE_TOKEN is set; /metrics on the same port.",
            ).set_defaults(handler=run.serve)  # fmt: skip

    replay = command(
        "replay", "re-enrich past raw news into versioned topics",
        "Re-enrich the raw articles published between --since and --until (default: up to "
        "the end when the replay starts) with the current code, into <topic>.SUFFIX for the "
        "enriched, entity, stance and dead-letter topics, under the consumer group "
        "<NEWSFLOW_WORKER_APP_ID>-replay-SUFFIX. Run again with the same suffix, it resumes. "
        "The raw topic must still hold the articles (its retention; README: Replaying).",
    )  # fmt: skip
    replay.add_argument("--since", required=True, metavar="TIME",
                        help="first publication time: ISO 8601 (UTC if no zone) or 30m / 2h / "
                        "1d / 7d ago")  # fmt: skip
    replay.add_argument("--until", metavar="TIME",
                        help="stop before this publication time (same forms; default: the "
                        "end of the raw topic when the replay starts)")  # fmt: skip
    replay.add_argument("--version-suffix", required=True, metavar="SUFFIX",
                        help="names the output topics and the group, e.g. v2 writes "
                        "news.enriched.v2")  # fmt: skip
    _json(replay, "the summary")
    replay.set_defaults(handler=run.replay)

    _deadletter_commands(command)

    bench = command("bench", "measure throughput, latency, scaling and memory",
                    "Benchmark on a generated corpus: enrichment ceiling against pipeline "
                    "throughput, latency at half load, scaling with workers and processes, "
                    "memory and rebalances (README: Performance).")  # fmt: skip
    bench.add_argument(
        "--articles",
        type=int,
        default=None,
        metavar="N",
        help="corpus size (default 200; 20 with --short; all of --corpus)",
    )
    bench.add_argument(
        "--corpus",
        type=Path,
        default=None,
        metavar="FILE",
        help="your own articles, one RawArticle JSON a line (default: real news sentences)",
    )
    bench.add_argument(
        "--workers", type=int, default=1, metavar="W", help="worker processes (default 1)"
    )
    bench.add_argument(
        "--processes", type=int, default=2, metavar="P", help="NLP processes per worker (default 2)"
    )
    bench.add_argument(
        "--latency-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="length of the latency phase (default 60; 10 with --short)",
    )
    bench.add_argument(
        "--short", action="store_true", help="smoke run: one design, a 10 s latency phase"
    )
    _json(bench, "the report")
    bench.set_defaults(handler=run.bench)

    demo = command("demo", "run the whole path once on the seed articles (make run)",
                   "Start the local broker if needed and a worker, publish the seed articles, "
                   "print each enriched article and the worker's metrics, then stop what it "
                   "started.")  # fmt: skip
    demo.add_argument(
        "seeds", nargs="*", metavar="PATH", help="articles to publish (default: seeds/)"
    )
    _json(demo, "the articles and metrics (progress goes to stderr)")
    demo.set_defaults(handler=run.demo)

    schemas = command("schemas", "write or check schemas/ against the event models",
                      "The JSON Schemas of the events are the public contract; they are "
                      "generated from the models.")  # fmt: skip
    schemas.add_argument(
        "action", choices=["write", "check"], help="write: regenerate; check: exit 2 if any differs"
    )
    schemas.add_argument(
        "--dir", default="schemas", metavar="DIR", help="the schemas folder (default schemas)"
    )
    schemas.set_defaults(handler=run.schemas)

    evaluation = command("eval", "score the enrichment against a gold dataset",
                         "Entity, stance and tone scores with bootstrap intervals and the "
                         "stance precision-recall curve (README: Enrichment).")  # fmt: skip
    evaluation.add_argument("dataset", metavar="DATASET.jsonl", help="gold annotations")
    _json(evaluation, "the report")
    evaluation.add_argument("--details", action="store_true", help="list each document's errors")
    evaluation.set_defaults(handler=run.evaluate)

    training = command("train", "train the stance or tone model (deterministic)",
                       "Fit a model and write it as JSON; needs the train extra "
                       "(pip install 'newsflow[train]').")  # fmt: skip
    training.add_argument("model", choices=["stance", "tone"], help="which model to train")
    training.add_argument("--data", nargs="+", required=True, metavar="FILE",
                          help="stance: gold JSONL files (development and training parts); "
                          "tone: NewsMTSC train.jsonl")  # fmt: skip
    training.add_argument(
        "--out", required=True, metavar="MODEL.json", help="where to write the model"
    )
    training.add_argument(
        "--cross-validate",
        action="store_true",
        help="tone: also report grouped 5-fold cross-validation",
    )
    training.set_defaults(handler=run.train)

    config = command("config", "print the effective settings, secrets masked",
                     "Print every setting as NEWSFLOW_*=value (defaults < --config file < "
                     ".env < environment), secrets masked.")  # fmt: skip
    config.add_argument("action", choices=["show"], help="show: print the effective settings")
    _json(config, "the settings as nested groups")
    config.set_defaults(handler=run.config)
    return parser


def _deadletter_commands(command: Callable[[str, str, str], argparse.ArgumentParser]) -> None:
    dead = command(
        "deadletter", "list, show and redrive dead letters",
        "Dead letters on NEWSFLOW_TOPICS_DEADLETTER, addressed as PARTITION:OFFSET (the topic "
        "has one partition: 0:17, or just 17). Redrive sends a dead letter's original key and "
        "value back to NEWSFLOW_TOPICS_RAW with the header newsflow-redrive; each dead letter "
        "is redriven at most once (README: Dead letters).",
    )  # fmt: skip
    actions = dead.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return actions.add_parser(
            name,
            help=summary,
            description=textwrap.fill(description, 92),
            epilog=_epilog("deadletter"),
            formatter_class=_Formatter,
        )

    listing = action(
        "list",
        "a table of dead letters, oldest first",
        "Dead letters as a table: id, first seen (UTC), error code, where the "
        "message came from, key, redrive state and reason.",
    )
    show = action(
        "show",
        "one dead letter in full, with its original bytes",
        "Each chosen dead letter in full as JSON, with its redrive state.",
    )
    show.add_argument("ids", nargs="+", metavar="ID", help="PARTITION:OFFSET or OFFSET")
    redrive = action(
        "redrive",
        "send chosen dead letters back to the raw topic",
        "Send the chosen dead letters' original key and value back to the raw "
        "topic with the header newsflow-redrive, each at most once; give ids, or "
        "--code / --since / --until to choose.",
    )
    redrive.add_argument("ids", nargs="*", metavar="ID", help="PARTITION:OFFSET or OFFSET")
    for p in (listing, redrive):
        p.add_argument("--code", help="only this error code, e.g. enrichment_failed")
        p.add_argument(
            "--since", metavar="TIME", help="first seen at or after: ISO 8601 or 30m / 2h / 1d ago"
        )
        p.add_argument(
            "--until", metavar="TIME", help="first seen before: ISO 8601 or 30m / 2h / 1d ago"
        )
    for p in (listing, show, redrive):
        p.add_argument("--json", action="store_true", help="JSON lines instead of text")
        p.set_defaults(handler=run.deadletter)
        _config_option(p, argparse.SUPPRESS)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a count (0 or more)")
    return value
