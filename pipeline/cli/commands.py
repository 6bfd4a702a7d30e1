"""What each ``newsflow`` command does: load nothing itself, call the room that does the work
(imported when the command runs, so a reader's install never imports the worker's packages),
print the result as text or JSON. Errors propagate to :func:`pipeline.cli.main`."""

from __future__ import annotations

import argparse
import errno
import importlib.util
import json
import socket
import sys
from pathlib import Path

from pipeline.config import Settings, effective_variables
from pipeline.errors import ConfigError


def kafka(args: argparse.Namespace, settings: Settings) -> int:
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
        if not was_running:
            b = settings.broker
            _port_free(b.host, b.port, "NEWSFLOW_BROKER_PORT")
            _port_free(b.host, b.controller_port, "NEWSFLOW_BROKER_CONTROLLER_PORT")
        status = broker.start()
        verb = "already running" if was_running else "started"
        text = (
            f"kafka {verb} on {status.bootstrap} (pid {status.pid or '?'}, log {status.log_file})"
            + (f"; SASL (SCRAM) on {status.sasl_bootstrap}" if status.sasl_bootstrap else "")
        )
    elif args.action == "stop":
        stopped = broker.stop()
        status = broker.status()
        verb = "stopped" if stopped else "not running"
        text = "kafka stopped" if stopped else "kafka was not running (no managed broker)"
    else:
        status = broker.status()
        verb = "running" if status.running else "stopped"
        text = f"kafka {verb} on {status.bootstrap} (pid {status.pid or '-'})"
    if args.json:
        print(json.dumps({
            "action": args.action,
            "result": verb,
            "running": status.running,
            "pid": status.pid,
            "bootstrap": status.bootstrap,
            "sasl_bootstrap": status.sasl_bootstrap,
            "managed": status.managed,
            "log_file": str(status.log_file),
        }))  # fmt: skip
    else:
        print(text)
    return 1 if args.action == "status" and not status.running else 0


def _port_free(host: str, port: int, variable: str) -> None:
    """ConfigError if another process listens on ``host:port`` (the broker would not start)."""
    with socket.socket() as probe:
        # As servers do: connections of a broker that just stopped (TIME_WAIT) do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"port {port} on {host} is in use by another process ({variable})"
                ) from exc


def topics(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.kafka.topics import ensure_topics, topic_specs

    created = ensure_topics(settings)
    for spec in topic_specs(settings):
        state = "created" if spec.name in created else "exists"
        if args.json:
            print(json.dumps({"topic": spec.name, "partitions": spec.partitions, "state": state}))
        else:
            print(f"{spec.name}\t{spec.partitions} partition(s)\t{state}")
    return 0


def worker(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.worker.runner import run_worker

    require_model(settings)
    return run_worker(settings)


def produce(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest.loaders import count_records, load_stream
    from pipeline.ingest.publisher import Publisher

    # Counted first (a missing input fails before anything is sent, and the progress bar
    # knows the total), then read a record at a time as they are published.
    total = count_records(args.paths)
    items = load_stream(args.paths)
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


def consume(args: argparse.Namespace, settings: Settings) -> int:
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
    if args.max == 0:
        return 0
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


def feed(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest.feeds import run_feed

    return run_feed(settings, args.urls, args.feeds, args.interval, args.once,
                    args.fetch_full_text, as_json=args.json)  # fmt: skip


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.ingest.serve import run_server

    return run_server(settings)


def bench(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.tools.bench import run_bench

    require_model(settings)
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


def demo(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.tools.demo import run_demo

    require_model(settings)
    return run_demo(settings, args.seeds or ["seeds"], as_json=args.json)


def schemas(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import schemas as contract

    directory = Path(args.dir)
    if args.action == "write":
        for path in contract.write(directory):
            print(path)
        return 0
    stale = contract.drifted(directory)
    if stale:
        raise ConfigError(f"schemas out of date: {', '.join(stale)} (run newsflow schemas write)")
    print("schemas match the models")
    return 0


def evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.enrich import Enricher
    from pipeline.tools.evaluate import evaluate, format_report

    require_model(settings)
    threshold = settings.enrich.stance_min_confidence
    # Every tag is collected (minimum 0) so that one run also gives the whole curve.
    every_tag = settings.enrich.model_copy(update={"stance_min_confidence": 0.0})
    report = evaluate(Enricher(every_tag), Path(args.dataset), threshold)
    print(report.model_dump_json(indent=2) if args.json else format_report(report, args.details))
    return 0


def train(args: argparse.Namespace, settings: Settings) -> int:
    require_model(settings)
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


def config(args: argparse.Namespace, settings: Settings) -> int:
    if args.json:
        print(json.dumps(settings.model_dump(mode="json"), indent=2))
        return 0
    for name, value in effective_variables(settings):
        print(f"# {name} is unset" if value is None else f"{name}={value}")
    return 0


def deadletter(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.consume import deadletters as dl
    from pipeline.consume.filters import parse_since

    ids = frozenset(dl.parse_id(i) for i in getattr(args, "ids", None) or [])
    wanted = dl.Selection(
        ids=ids,
        code=getattr(args, "code", None),
        since=parse_since(args.since) if getattr(args, "since", None) else None,
        until=parse_since(args.until) if getattr(args, "until", None) else None,
    )
    if args.action == "redrive" and not (ids or wanted.code or wanted.since or wanted.until):
        raise ConfigError("redrive what? give dead-letter ids or --code / --since / --until")
    chosen = [s for s in dl.read_dead_letters(settings) if wanted.matches(s)]
    if args.action == "show":
        if not chosen:
            raise ConfigError(f"no dead letter {', '.join(sorted(ids))} on "
                              f"{settings.topics.deadletter}")  # fmt: skip
        states = dl.read_journal(settings)
        for s in chosen:
            shown = {"id": s.id, "redrive": states.get(s.id), **s.letter.model_dump(mode="json")}
            print(json.dumps(shown, indent=None if args.json else 2, ensure_ascii=False))
        return 0
    if args.action == "list":
        states = dl.read_journal(settings)
        if args.json:
            for s in chosen:
                row = {"id": s.id, "redrive": states.get(s.id), **s.letter.model_dump(mode="json")}
                print(json.dumps(row, ensure_ascii=False))
        else:
            print(dl.table(chosen, states))
        return 0
    missing = sorted(ids - {s.id for s in chosen})
    if missing:
        raise ConfigError(f"no dead letter {', '.join(missing)} on {settings.topics.deadletter}")
    journal = dl.KafkaJournal(settings)
    try:
        report = dl.redrive(journal, chosen)
    finally:
        journal.close()
    summary = {"sent": report.sent, "skipped": report.skipped, "topic": settings.topics.raw}
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"redrove {len(report.sent)} dead letter(s) → {settings.topics.raw}"
              + (f"; skipped {len(report.skipped)} already redriven: "
                 + ", ".join(f"{i} ({st})" for i, st in report.skipped.items())
                 if report.skipped else ""))  # fmt: skip
    return 0


def replay(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.consume.filters import parse_since
    from pipeline.tools.replay import run_replay

    since = parse_since(args.since)
    until = parse_since(args.until) if args.until else None
    if until is not None and until <= since:
        raise ConfigError(f"--until {args.until} is not after --since {args.since}")
    require_model(settings)
    return run_replay(settings, since, until, args.version_suffix, args.json)


def require_model(settings: Settings) -> None:
    """ConfigError unless the spaCy model is an installed package or a model folder."""
    name = settings.enrich.model
    try:
        found = Path(name).is_dir() or importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ConfigError(
            f"spaCy model {name!r} is not installed (NEWSFLOW_ENRICH_MODEL): install its "
            "package or name an installed model or a model folder"
        )
