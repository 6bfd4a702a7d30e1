"""`newsflow --help` for users (every option explained, variables and exit codes listed, plain
text) and the CLI's one-line errors for what the operating system refuses."""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.cli import main
from pipeline.cli.parser import EXIT_CODES, GROUPS, build_parser
from pipeline.config import setting_names
from tests.conftest import free_port


def _parsers(
    parser: argparse.ArgumentParser, name: str = "newsflow"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_option_and_argument_is_explained() -> None:
    for name, parser in _parsers(build_parser()):
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                assert all(a.help for a in action._choices_actions), name
                continue
            assert action.help and len(action.help) > 10, (name, action.dest)


def test_help_is_plain_text_with_every_variable_and_exit_code() -> None:
    text = build_parser().format_help()
    for markup in ("``", ":mod:", ":class:", "`"):
        assert markup not in text
    codes = {int(line.split()[0]) for line in text.split("exit codes")[1].splitlines()[1:]
             if line.strip()[:1].isdigit()}  # fmt: skip
    assert {e.exit_code for e in _subclasses(errors.NewsflowError)} - {1} <= codes
    assert codes == {code for code, _ in EXIT_CODES}
    flat = " ".join(text.split())
    for variable, path in setting_names().items():
        if len(path) == 2:
            group = f"NEWSFLOW_{path[0].upper()}_*:"
            section = flat.split(group)[1].split("NEWSFLOW_")[0]
            assert path[1].upper() in section.replace(",", " ").split(), variable
        elif path[0] not in {p[0] for p in setting_names().values() if len(p) == 2}:
            assert variable in flat


def test_each_command_lists_the_settings_it_reads(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(GROUPS) == set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    with pytest.raises(SystemExit):
        main(["replay", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "NEWSFLOW_TOPICS_*: RAW" in out and "NEWSFLOW_ENRICH_*: MODEL" in out
    assert "NEWSFLOW_SERVE_*" not in out and "exit codes" in out


def test_consume_max_0_prints_nothing_and_contacts_nobody(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:1")  # nothing answers there
    assert main(["consume", "news.enriched", "--max", "0"]) == 0
    assert capsys.readouterr() == ("", "")
    with pytest.raises(SystemExit) as refused:
        main(["consume", "news.enriched", "--max", "-1"])
    assert refused.value.code == 2


def test_a_port_in_use_is_one_line_naming_its_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        monkeypatch.setenv("NEWSFLOW_STATE_DIR", str(tmp_path))
        monkeypatch.setenv("NEWSFLOW_FEED_METRICS_PORT", port)
        assert main(["feed", "http://127.0.0.1:1/feed.xml"]) == 2
        assert capsys.readouterr().err == (
            "newsflow: error: cannot listen: address already in use (NEWSFLOW_FEED_METRICS_PORT)\n"
        )
        monkeypatch.setenv("NEWSFLOW_BROKER_PORT", str(free_port()))
        monkeypatch.setenv("NEWSFLOW_BROKER_CONTROLLER_PORT", port)
        assert main(["kafka", "start"]) == 2
        assert capsys.readouterr().err == (
            f"newsflow: error: port {port} on 127.0.0.1 is in use by another process "
            "(NEWSFLOW_BROKER_CONTROLLER_PORT)\n"
        )


def test_an_unwritable_feed_state_file_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("NEWSFLOW_FEED_STATE_FILE", str(tmp_path / "a-file" / "seen.json"))
    assert main(["feed", "--once", "http://127.0.0.1:1/feed.xml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"newsflow: error: cannot write {tmp_path / 'a-file'}: ")
    assert (
        err.endswith("(NEWSFLOW_FEED_STATE_FILE or NEWSFLOW_STATE_DIR)\n") and err.count("\n") == 1
    )


def test_a_missing_model_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_ENRICH_MODEL", "no_such_model_pkg")
    for command in (["worker"], ["replay", "--since", "1h", "--version-suffix", "v2"]):
        assert main(command) == 2
        assert capsys.readouterr().err == (
            "newsflow: error: spaCy model 'no_such_model_pkg' is not installed "
            "(NEWSFLOW_ENRICH_MODEL): install its package or name an installed model or a "
            "model folder\n"
        )


def test_kafka_json_is_honoured_without_a_broker(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSFLOW_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("NEWSFLOW_BROKER_PORT", str(free_port()))
    assert main(["kafka", "stop", "--json"]) == 0
    stopped = json.loads(capsys.readouterr().out)
    assert (stopped["action"], stopped["result"], stopped["running"]) == ("stop", "not running",
                                                                          False)  # fmt: skip
    assert main(["kafka", "status", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["result"] == "stopped"
