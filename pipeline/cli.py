"""``newsflow``: a thin CLI. Parse, load settings once, call the library, map errors to exit
codes and one-line messages (see :mod:`pipeline.errors`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from pipeline import __version__
from pipeline.config import Settings
from pipeline.errors import ConfigError, NewsflowError

Handler = Callable[[argparse.Namespace, Settings], int]


def _kafka(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.kafka.broker import LocalBroker

    if not settings.uses_local_broker:
        print(
            f"NEWSFLOW_KAFKA_BOOTSTRAP={settings.bootstrap_servers}: using that cluster, "
            "no local broker is managed"
        )
        return 0
    broker = LocalBroker(settings)
    if args.action == "start":
        was_running = broker.status().running
        status = broker.start()
        verb = "already running" if was_running else "started"
        print(
            f"kafka {verb} on {status.bootstrap} (pid {status.pid or '?'}, log {status.log_file})"
            + (f"; SASL (SCRAM) on {status.sasl_bootstrap}" if status.sasl_bootstrap else "")
        )
    elif args.action == "stop":
        print("kafka stopped" if broker.stop() else "kafka was not running (no managed broker)")
    else:
        status = broker.status()
        state = "running" if status.running else "stopped"
        if args.json:
            print(
                json.dumps(
                    {
                        "running": status.running,
                        "pid": status.pid,
                        "bootstrap": status.bootstrap,
                        "managed": status.managed,
                        "log_file": str(status.log_file),
                    }
                )
            )
        else:
            print(f"kafka {state} on {status.bootstrap} (pid {status.pid or '-'})")
        return 0 if status.running else 1
    return 0


def _topics(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.kafka.topics import ensure_topics, topic_specs

    created = ensure_topics(settings)
    for spec in topic_specs(settings):
        state = "created" if spec.name in created else "exists"
        print(f"{spec.name}\t{spec.partitions} partition(s)\t{state}")
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.worker.runner import run_worker

    return run_worker(settings)


def _produce(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest.loaders import load, load_stream
    from pipeline.ingest.publisher import Publisher

    streaming = "-" in args.paths
    # Files are read first (a missing one fails before anything is sent, and the progress
    # bar knows the total); stdin is published line by line as it arrives.
    items = load_stream(args.paths) if streaming else list(load(args.paths))
    total = None if streaming else len(items)  # type: ignore[arg-type]
    publisher = Publisher(settings)
    try:
        report = publisher.publish(
            items, total=total, on_error=lambda e: print(f"rejected {e}", file=sys.stderr)
        )
    finally:
        publisher.close()
    summary = {"sent": report.sent, "rejected": report.rejected, "topic": settings.topics.raw}
    print(
        json.dumps(summary)
        if args.json
        else f"sent {report.sent}, rejected {report.rejected} locally → {settings.topics.raw}"
    )
    return 0 if not report.errors or len(report.errors) == report.rejected else 1


def _consume(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.consume.filters import EventFilter, parse_since
    from pipeline.consume.render import event_text
    from pipeline.consume.subscribe import follow

    wanted = EventFilter(
        entity=args.entity,
        label=args.label,
        holder=args.holder,
        target=args.target,
        stance=args.stance,
        since=parse_since(args.since) if args.since else None,
    )
    shown = 0
    for received in follow(
        settings,
        args.topic,
        from_beginning=args.from_beginning or args.since is not None,
        group=args.group,
        idle_timeout=args.timeout,
    ):
        event = received.as_json()
        if not wanted.matches(event, received.timestamp_ms):
            continue
        if args.format == "table":
            print(event_text(event), flush=True)
        else:
            print(
                json.dumps(received.as_json(envelope=args.envelope), ensure_ascii=False), flush=True
            )
        shown += 1
        if args.max is not None and shown >= args.max:
            break
    return 0


def _feed(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest.feeds import run_feed

    return run_feed(settings, args.urls, args.feeds, args.interval, args.once, args.fetch_full_text)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest.serve import run_server

    return run_server(settings)


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.tools.bench import run_bench

    return run_bench(
        settings,
        args.articles,
        args.workers,
        args.processes,
        args.latency_seconds,
        args.short,
        args.json,
        args.corpus,
    )


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.tools.demo import run_demo

    return run_demo(settings, args.seeds or ["seeds"])


def _schemas(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import schemas

    directory = Path(args.dir)
    if args.action == "write":
        for path in schemas.write(directory):
            print(path)
        return 0
    stale = schemas.drifted(directory)
    if stale:
        raise ConfigError(f"schemas out of date: {', '.join(stale)} (run newsflow schemas write)")
    print("schemas match the models")
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.enrich import Enricher
    from pipeline.tools.evaluate import evaluate, format_report

    threshold = settings.enrich.stance_min_confidence
    # Every tag is collected (minimum 0) so that one run also gives the whole curve.
    every_tag = settings.enrich.model_copy(update={"stance_min_confidence": 0.0})
    report = evaluate(Enricher(every_tag), Path(args.dataset), threshold)
    print(report.model_dump_json(indent=2) if args.json else format_report(report, args.details))
    return 0


def _train(args: argparse.Namespace, settings: Settings) -> int:
    if args.model == "stance":
        from pipeline.enrich import Enricher
        from pipeline.enrich.stance_model import StanceModel
        from pipeline.tools.train_stance import train as train_stance

        enricher = Enricher(settings.enrich, StanceModel.untrained())
        result = train_stance(enricher, [Path(p) for p in args.data], Path(args.out))
    else:
        from pipeline.tools.train_tone import cross_validate
        from pipeline.tools.train_tone import train as train_tone

        data = Path(args.data[0])
        result = {"model": train_tone(data, Path(args.out))}
        if args.cross_validate:
            result["cross_validation"] = cross_validate(data)
    print(json.dumps(result, indent=2, default=str))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    parser.add_argument("--version", action="version", version=f"newsflow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    kafka = sub.add_parser("kafka", help="run the embedded single-node Kafka (KRaft)")
    kafka.add_argument("action", choices=["start", "stop", "status"])
    kafka.add_argument("--json", action="store_true")
    kafka.set_defaults(handler=_kafka)

    topics = sub.add_parser("topics", help="create Newsflow's topics (idempotent)")
    topics.add_argument("action", choices=["create"])
    topics.set_defaults(handler=_topics)

    sub.add_parser("worker", help="run the Faust enrichment worker").set_defaults(handler=_worker)

    produce = sub.add_parser("produce", help="publish articles from files, folders or - (stdin)")
    produce.add_argument("paths", nargs="+", metavar="PATH")
    produce.add_argument("--json", action="store_true", help="print the summary as JSON")
    produce.set_defaults(handler=_produce)

    consume = sub.add_parser("consume", help="print a topic's events, one JSON per line")
    consume.add_argument("topic")
    consume.add_argument("--from-beginning", action="store_true")
    consume.add_argument("--max", type=int, default=None, help="stop after N events")
    consume.add_argument("--group", default=None, help="durable consumer group (resumes)")
    consume.add_argument(
        "--timeout", type=float, default=None, help="stop after S seconds without a new event"
    )
    consume.add_argument(
        "--envelope", action="store_true", help="wrap each event with topic/partition/offset/key"
    )
    consume.add_argument("--format", choices=["jsonl", "table"], default="jsonl")
    consume.add_argument("--entity", help="events about this entity (canonical name)")
    consume.add_argument("--label", help="events with an entity of this label, e.g. PERSON")
    consume.add_argument("--holder", help="stance tags held by this entity")
    consume.add_argument("--target", help="stance tags toward this target")
    consume.add_argument("--stance", choices=["favor", "against", "neutral"])
    consume.add_argument("--since", help="published since: ISO 8601 time or 30m / 2h / 1d")
    consume.set_defaults(handler=_consume)

    feed = sub.add_parser("feed", help="poll RSS / Atom feeds and publish new items")
    feed.add_argument("urls", nargs="*", metavar="URL")
    feed.add_argument(
        "--feeds",
        type=Path,
        default=None,
        metavar="FILE.yaml",
        help="feed list (README: Feeding live news)",
    )
    feed.add_argument(
        "--interval",
        type=float,
        default=None,
        metavar="S",
        help="seconds between polls (default NEWSFLOW_FEED_INTERVAL_SECONDS)",
    )
    feed.add_argument(
        "--once", action="store_true", help="poll each feed once and exit; exit 1 if a poll failed"
    )
    feed.add_argument(
        "--fetch-full-text", action="store_true", help="take each new item's body from its web page"
    )
    feed.set_defaults(handler=_feed)

    serve = sub.add_parser("serve", help="HTTP ingest: POST /articles → the raw topic")
    serve.set_defaults(handler=_serve)

    bench = sub.add_parser("bench", help="measure throughput, latency, scaling and memory")
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
    bench.add_argument("--workers", type=int, default=1, metavar="W")
    bench.add_argument(
        "--processes", type=int, default=2, metavar="P", help="NLP processes per worker"
    )
    bench.add_argument(
        "--latency-seconds",
        type=float,
        default=60.0,
        metavar="S",
        help="latency phase (default 60; 10 with --short)",
    )
    bench.add_argument("--short", action="store_true", help="smoke run: one design, 10 s latency")
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(handler=_bench)

    demo = sub.add_parser("demo", help="run the whole path once on the seed articles")
    demo.add_argument("seeds", nargs="*", help="input paths (default: seeds/)")
    demo.set_defaults(handler=_demo)

    schemas = sub.add_parser("schemas", help="write or check schemas/ against the models")
    schemas.add_argument("action", choices=["write", "check"])
    schemas.add_argument("--dir", default="schemas")
    schemas.set_defaults(handler=_schemas)

    evaluation = sub.add_parser("eval", help="score the enrichment against a gold dataset")
    evaluation.add_argument("dataset")
    evaluation.add_argument("--json", action="store_true")
    evaluation.add_argument("--details", action="store_true", help="list each document's errors")
    evaluation.set_defaults(handler=_eval)

    training = sub.add_parser("train", help="train the stance or tone model (deterministic)")
    training.add_argument("model", choices=["stance", "tone"])
    training.add_argument(
        "--data",
        nargs="+",
        required=True,
        help="stance: gold JSONL files (development/training parts); tone: NewsMTSC train.jsonl",
    )
    training.add_argument("--out", required=True, help="where to write the model JSON")
    training.add_argument(
        "--cross-validate", action="store_true", help="tone: also report grouped 5-fold CV"
    )
    training.set_defaults(handler=_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        try:
            settings = Settings()
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"invalid setting {where}: {first['msg']}") from exc
        return handler(args, settings)
    except NewsflowError as exc:
        print(f"newsflow: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
