from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from pipeline.errors import IngestError
from pipeline.ingest.loaders import MAX_RECORD_BYTES, count_records, load, stable_id


def test_jsonl_json_and_txt_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": "one", "title": "T1", "body": "B1"})
        + "\n\n"
        + "{broken\n"
        + json.dumps({"title": "no body"})
        + "\n"
    )
    (tmp_path / "b.json").write_text(json.dumps([{"id": "two", "body": "B2"}, 5]))
    (tmp_path / "c.txt").write_text("Headline here\n\nFirst paragraph.\nSecond.\n")
    (tmp_path / "ignored.csv").write_text("x")
    items = list(load([str(tmp_path)]))
    ok = [i.article for i in items if i.article]
    bad = [i for i in items if i.error]
    assert [a.id for a in ok[:2]] == ["one", "two"]
    txt = ok[2]
    assert txt.title == "Headline here" and txt.body == "First paragraph.\nSecond."
    assert txt.source == "c.txt" and len(txt.id) == 16
    assert [b.origin for b in bad] == [
        f"{tmp_path}/a.jsonl:3",
        f"{tmp_path}/a.jsonl:4",
        f"{tmp_path}/b.json[1]",
    ]
    assert "not JSON" in (bad[0].error or "") and "body" in (bad[1].error or "")


def test_stable_id_prefers_url_and_is_deterministic() -> None:
    a = stable_id({"url": "https://example.org/x", "body": "one"})
    b = stable_id({"url": "https://example.org/x", "body": "two"})
    c = stable_id({"title": "t", "body": "one"})
    assert a == b != c and c == stable_id({"title": "t", "body": "one"})


def test_missing_path_is_a_clear_error() -> None:
    with pytest.raises(IngestError, match="no such file"):
        list(load(["/nonexistent/articles.jsonl"]))


def test_seed_file_is_valid_and_keeps_the_shared_text() -> None:
    items = list(load(["seeds/"]))
    assert len(items) >= 1 and all(i.article for i in items)
    shared = Path(__file__).resolve().parents[3] / "shared/seeds/000_30fa5fd5bd179c17.txt"
    if shared.exists():  # the shared folder sits beside the checkout here and in CI
        assert items[0].article is not None and items[0].article.body == shared.read_text()


def test_stdin_lines_arrive_as_written_with_idle_ticks() -> None:
    import os
    import time

    from pipeline.ingest.loaders import follow_lines

    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "r", encoding="utf-8")
    writer = os.fdopen(write_fd, "w", encoding="utf-8")
    lines = follow_lines(reader, idle_seconds=0.1)
    writer.write('{"id": "a", "body": "first"}\n')
    writer.flush()
    started = time.monotonic()
    assert next(lines) == '{"id": "a", "body": "first"}\n'  # before the writer closes
    assert time.monotonic() - started < 1.0
    assert next(lines) is None  # nothing more yet: an idle tick
    writer.write('{"id": "b", "body": "second"}\n')
    writer.close()
    assert [x for x in lines if x is not None] == ['{"id": "b", "body": "second"}\n']


def test_an_overlong_line_is_rejected_and_later_lines_still_load(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as out:
        out.write(json.dumps({"id": "before", "body": "B"}).encode() + b"\n")
        out.write(b'{"id": "huge", "body": "' + b"x" * (MAX_RECORD_BYTES + 10) + b'"}\n')
        out.write(json.dumps({"id": "after", "body": "B"}).encode() + b"\n")
    items = list(load([str(path)]))
    assert [i.article.id for i in items if i.article] == ["before", "after"]
    [long] = [i for i in items if i.error]
    assert long.origin == f"{path}:2" and f"over the limit of {MAX_RECORD_BYTES}" in long.error
    assert count_records([str(path)]) == 3


def test_malformed_records_are_one_line_rejections(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(
        b'{"id": "s", "title": "\\ud800", "body": "B"}\n'  # a lone surrogate
        + b"[" * 100_000 + b"\n"
        + b'{"id": "\xff", "body": "B"}\n'
    )  # fmt: skip
    (tmp_path / "b.json").write_text('[{"id": "ok", "body": "B"}, ' + "[" * 100_000)
    (tmp_path / "c.txt").write_bytes(b"\xffTitle\nBody")
    items = list(load([str(tmp_path)]))
    errors = {i.origin.rsplit("/", 1)[1]: i.error for i in items if i.error}
    assert errors == {
        "a.jsonl:1": "title: lone surrogate at character 0",
        "a.jsonl:2": "not JSON: nested too deeply",
        "a.jsonl:3": "not UTF-8",
        "b.json": "item 1: not JSON: nested too deeply; the rest of the file was not read",
        "c.txt": "not UTF-8",
    }
    assert [i.article.id for i in items if i.article] == ["ok"]


def test_a_large_json_array_is_read_one_item_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    article = {"title": "T", "body": "word " * 400}
    with path.open("w") as out:
        out.write("[" + ",".join(json.dumps({**article, "id": f"a{i}"}) for i in range(4_000)))
        out.write("]")  # about 8 MB
    tracemalloc.start()
    count = sum(1 for item in load([str(path)]) if item.article)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 4_000 and path.stat().st_size > 8_000_000
    assert peak < 2_000_000
    assert count_records([str(path)]) is None  # unknown without parsing


def test_count_records_fails_on_a_missing_input_first(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"body": "x"}\n\n{"body": "y"}\n')
    assert count_records([str(tmp_path / "a.jsonl")]) == 2
    with pytest.raises(IngestError, match="no such file"):
        count_records([str(tmp_path / "a.jsonl"), str(tmp_path / "missing.jsonl")])
