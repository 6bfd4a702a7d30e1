from __future__ import annotations

import gzip
import json
import statistics
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import BenchError
from pipeline.models import RawArticle
from pipeline.tools import bench_corpus
from pipeline.tools.bench import corpus_for
from pipeline.tools.bench_corpus import (
    DOCUMENTS,
    MAX_WORDS,
    MIN_WORDS,
    TITLE_WORDS,
    load_documents,
    pack,
    read_corpus,
    real_corpus,
)

TRAIN = Path(__file__).resolve().parents[3] / "shared/data/newsmtsc/train.jsonl"


def _numbered(docs: int, sentences: int, words: int) -> list[list[str]]:
    """Documents whose every sentence says where it comes from: ``dD sS w w w.``"""
    filler = " w" * (words - 2)
    return [[f"d{d} s{s}{filler}." for s in range(sentences)] for d in range(docs)]


def test_same_seed_same_articles_and_a_longer_run_starts_with_the_shorter() -> None:
    first = [a.model_dump_json() for a in real_corpus(30, seed=3)]
    assert first == [a.model_dump_json() for a in real_corpus(30, seed=3)]
    assert first != [a.model_dump_json() for a in real_corpus(30, seed=4)]
    assert [a.model_dump_json() for a in real_corpus(10, seed=3)] == first[:10]


def test_lengths_follow_the_stated_log_normal() -> None:
    words = [len(a.body.split()) for a in real_corpus(2_000, seed=1)]
    # Median 400 and 10 % over 1,000 by construction; the last sentence overshoots a little.
    assert 380 <= statistics.median(words) <= 450
    assert 0.08 <= sum(w > 1_000 for w in words) / len(words) <= 0.13
    assert 0.48 <= sum(200 <= w <= 600 for w in words) / len(words) <= 0.62
    assert min(words) >= MIN_WORDS and max(words) <= MAX_WORDS + 200


def test_articles_are_real_sentences_in_order_carrying_on_into_the_next_source() -> None:
    docs = _numbered(docs=400, sentences=3, words=20)
    articles = real_corpus(40, seed=5, documents=docs)
    stream: list[str] = []
    for article in articles:
        paragraphs = article.body.split("\n\n")
        for paragraph in paragraphs:
            sentences = [s.strip() + "." for s in paragraph.split(".") if s.strip()]
            # A paragraph never spans two source articles, and holds one to three sentences.
            assert len({s.split()[0] for s in sentences}) == 1 and 1 <= len(sentences) <= 3
            stream += sentences
        assert article.title == " ".join(paragraphs[0].split()[:TITLE_WORDS])
        assert RawArticle.model_validate_json(article.model_dump_json()) == article
    # Cut from one stream: every source article's sentences in order, none skipped or repeated.
    for before, after in pairwise(stream):
        doc, sentence = before.split()[:2]
        next_doc, next_sentence = after.split()[:2]
        if next_doc == doc:
            assert int(next_sentence[1:]) == int(sentence[1:]) + 1
        else:
            assert sentence == "s2" and next_sentence == "s0"
    assert len(stream) == len(set(stream))
    # Long articles take sentences of several sources.
    assert any(len({s.split()[0] for s in a.body.split(". ")}) > 1 for a in articles)


def test_a_small_source_is_walked_again_in_another_order() -> None:
    docs = _numbered(docs=5, sentences=2, words=50)
    bodies = [a.body for a in real_corpus(6, seed=0, documents=docs)]
    assert sum(b.count(".") for b in bodies) > 10  # more sentences than the source holds
    with pytest.raises(BenchError):
        real_corpus(1, documents=[[]])


def test_falls_back_to_the_template_corpus_without_the_data_file(tmp_path: Path) -> None:
    articles, kind = bench_corpus.bench_corpus(3, 7, tmp_path / "absent.jsonl.gz")
    assert kind == "template" and articles[0].source == "Newsflow Wire"
    articles, kind = bench_corpus.bench_corpus(3, 7)
    assert kind == "real" and articles == real_corpus(3, 7)


def test_pack_groups_rows_into_articles_in_sentence_order(tmp_path: Path) -> None:
    rows = [
        ("allsides_1_2_1_Someone_0_7", "Second."),
        ("allsides_1_2_0_Someone_0_7", "First."),
        ("allsides_9_3_0_Other_0_5", "Alone."),
        ("allsides_1_2_0_Someone else_4_9", "First."),  # the same sentence, another target
    ]
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"primary_gid": g, "sentence_normalized": s}) + "\n"
                             for g, s in rows))  # fmt: skip
    out = tmp_path / "docs.jsonl.gz"
    assert pack(train, out) == 2
    assert load_documents(out) == [["First.", "Second."], ["Alone."]]
    packed = out.read_bytes()
    pack(train, out)
    assert out.read_bytes() == packed  # no timestamp: the packed file is reproducible


@pytest.mark.skipif(not TRAIN.is_file(), reason="NewsMTSC train.jsonl not beside the repo")
def test_the_shipped_sentences_are_newsmtsc_packed(tmp_path: Path) -> None:
    pack(TRAIN, tmp_path / "again.jsonl.gz")
    assert gzip.decompress((tmp_path / "again.jsonl.gz").read_bytes()) == gzip.decompress(
        DOCUMENTS.read_bytes()
    )


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "mine.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_corpus_takes_raw_articles_and_skips_blank_lines(tmp_path: Path) -> None:
    good = [RawArticle(id=f"a{i}", title="T", body=f"Body {i}.") for i in range(3)]
    path = _write(tmp_path, good[0].model_dump_json(), "", *(a.model_dump_json() for a in good[1:]))
    assert read_corpus(path) == good


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "body": "x"}', "not json"], "line 2: line: Invalid JSON"),
        (['{"id": "a", "body": "   "}'], "line 1: body: Value error, body is blank"),
        (['{"body": "x"}'], "line 1: id: Field required"),
        (['{"id": "a", "body": "x"}', '{"id": "a", "body": "y"}'], "article id 'a' occurs twice"),
        ([""], "holds no articles"),
    ],
)
def test_read_corpus_names_the_first_bad_line(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    path = _write(tmp_path, *lines)
    with pytest.raises(BenchError) as caught:
        read_corpus(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_read_corpus_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="cannot read corpus"):
        read_corpus(tmp_path / "nothing.jsonl")


def test_module_writes_jsonl_and_rejects_bad_arguments() -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipeline.tools.bench_corpus", *argv],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    written = run("3", "5")
    assert written.returncode == 0
    assert [RawArticle.model_validate_json(x) for x in written.stdout.splitlines()] == real_corpus(
        3, 5
    )
    bad = run("x")
    assert bad.returncode == 2 and "usage" in bad.stderr


def test_bench_takes_all_of_a_file_or_cuts_or_cycles_it(tmp_path: Path) -> None:
    own = [RawArticle(id=f"a{i}", title="T", body=f"Body {i}.") for i in range(3)]
    path = _write(tmp_path, *(a.model_dump_json() for a in own))
    assert corpus_for(None, False, path) == (own, "file mine.jsonl")
    assert corpus_for(2, False, path)[0] == own[:2]
    cycled = corpus_for(5, True, path)[0]
    assert [a.body for a in cycled] == [own[i % 3].body for i in range(5)]
    assert len({a.id for a in cycled}) == 5
    assert corpus_for(None, True, None) == (real_corpus(20, 7), "real")


def test_bench_rejects_a_bad_corpus_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:1")  # never reached
    path = _write(tmp_path, '{"id": "a", "body": "x"}', '{"id": "b"}')
    assert main(["bench", "--corpus", str(path)]) == BenchError.exit_code
    err = capsys.readouterr().err.strip()
    assert err == f"newsflow: error: corpus {path} line 2: body: Field required"
