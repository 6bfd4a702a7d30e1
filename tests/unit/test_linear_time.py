"""Every text algorithm takes time linear (or n log n) in its input: hostile inputs are
doubled and the time may grow at most :data:`MAX_RATIO` times per doubling.

Each input is timed at size n and 2n in CPU seconds of the calling thread
(``time.thread_time``: neither other work on a shared machine nor threads that earlier tests
left in this process count), the minimum of a few runs, on the single functions and on the
real ``Enricher`` with the real spaCy model; the HTML reduction in a fresh interpreter.
Inputs are varied (random digits, names, punctuation) so that spaCy's tokenizer cache cannot
hide a cost.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.config import EnrichSettings
from pipeline.enrich import Enricher
from pipeline.enrich import mentions as mentions_module
from pipeline.enrich.holders import MAX_CONJUNCTS, _coordinations, conjuncts
from pipeline.enrich.nlp import ParsedField
from pipeline.models import RawArticle
from tests.unit.linear_timing import MAX_RATIO, assert_linear, ratio_in_fresh_process

_FIRST = ["Alice", "Bruno", "Carla", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ines", "Jonas"]
_LAST = ["Smith", "Okafor", "Novak", "Tanaka", "Silva", "Meyer", "Haddad", "Kowalski", "Berg"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}{rng.randrange(10**6)}"


def punctuation(n: int) -> str:
    rng = random.Random(n)
    return "".join(rng.choice("!?.,;:-()'\"") for _ in range(n))


def digits(n: int) -> str:
    """Digits with separators, one whitespace-free run: "4.1,7.0.3…"."""
    rng = random.Random(n)
    return "".join(f"{rng.randrange(10)}{rng.choice('.,')}" for _ in range(n // 2))


def capitalised_names(n: int) -> str:
    rng = random.Random(n)
    out: list[str] = []
    while sum(map(len, out)) < n:
        out.append(f"{_name(rng)} met {_name(rng)} in Paris.")
    return " ".join(out)


def repeated_sentence(n: int) -> str:
    return "The official rejected the plan. " * (n // 32)


def long_conjunction(n: int) -> str:
    rng = random.Random(n)
    names: list[str] = []
    while sum(len(x) + 5 for x in names) < n:
        names.append(_name(rng))
    return " and ".join(names) + " rejected the plan."


UNCLOSED = {
    "comment": "<!-- a ",
    "start tag": "<a ",
    "attribute": "<p a='",
    "quoted '>'": "<a x='>' ",
    "end tag": "</a ",
    "declaration": "<!DOCTYPE ",
    "marked section": "<![CDATA[ >",
    "processing instruction": "<?x ",
}


# Timed in a fresh interpreter: a few milliseconds per run on megabytes of markup, the scale
# at which the suite's heap (spaCy models, earlier tests' data) moved the ratio past the
# bound for a linear function (see ``ratio_in_fresh_process``). One interpreter times every
# kind of markup in turn (its start-up and imports are paid once, not per kind).
_HTML_RATIOS = """
import json, sys
from pipeline.enrich.text import html_to_text, main_text
from tests.unit.linear_timing import ratio
found = {}
for unit in json.loads(sys.argv[1]):
    make = lambda n: "<p>x</p> " + unit * n
    found[unit] = max(ratio(html_to_text, make, 40_000, 3, 4), ratio(main_text, make, 40_000, 3, 4))
print(json.dumps(found))
"""


@pytest.fixture(scope="module")
def html_ratios() -> dict[str, float]:
    """Each kind of unclosed markup's ratio, measured once for the parametrized test."""
    found = ratio_in_fresh_process(_HTML_RATIOS, json.dumps(list(UNCLOSED.values())))
    assert isinstance(found, dict)
    return {str(unit): float(r) for unit, r in found.items()}


@pytest.mark.parametrize("unit", UNCLOSED.values(), ids=UNCLOSED.keys())
def test_html_reduction_is_linear_in_unclosed_markup(
    html_ratios: dict[str, float], unit: str
) -> None:
    found = html_ratios[unit]
    assert found <= MAX_RATIO, f"time grew {found:.2f}x per doubling from n=40000 to 160000"


def test_money_and_percent_pattern_is_linear_in_digit_runs(nlp: Language) -> None:
    def amounts(text: str) -> object:
        doc = Doc(nlp.vocab, words=[text], spaces=[False])  # the pattern reads doc.text only
        return mentions_module._missed_amounts(ParsedField("body", text, doc), [])

    assert_linear(amounts, digits, 100_000)
    assert_linear(amounts, lambda n: "5% " * (n // 3), 100_000)


@pytest.fixture(scope="module")
def nlp(enricher: Enricher) -> Language:
    return enricher._nlp  # load_pipeline(model): the tokenizer and fast components it uses


@pytest.mark.parametrize("make", [punctuation, digits], ids=["punctuation", "digits"])
def test_tokenisation_is_linear_in_whitespace_free_runs(
    nlp: Language, make: Callable[[int], str]
) -> None:
    assert_linear(nlp.make_doc, make, 40_000)


def test_tokenisation_keeps_the_text_and_normal_tokens(nlp: Language) -> None:
    text = "Prices rose 5% in Oslo, don't panic. " + "!" * 1_000 + " The end."
    doc = nlp.make_doc(text)
    assert doc.text == text
    assert [t.text for t in doc[:10]] == [t.text for t in spacy.blank("en")(text)[:10]]
    assert max(len(t) for t in doc) <= 300


def _enrich(enricher: Enricher) -> Callable[[str], object]:
    return lambda body: enricher.enrich(RawArticle(id="t", title="Hostile", body=body))


@pytest.mark.parametrize(
    ("make", "n"),
    [(punctuation, 3_000), (digits, 6_000), (capitalised_names, 8_000)],
    ids=["punctuation", "digits", "capitalised names"],
)
def test_enrichment_is_linear(enricher: Enricher, make: Callable[[int], str], n: int) -> None:
    assert_linear(_enrich(enricher), make, n, repeats=2)


def test_enrichment_is_linear_in_repeated_sentences(enricher: Enricher) -> None:
    assert_linear(_enrich(enricher), repeated_sentence, 16_000, repeats=2)


def test_a_long_conjunction_does_not_exhaust_the_stack(enricher: Enricher, nlp: Language) -> None:
    """~1,000 names joined by "and" raised RecursionError; conjuncts are walked in loops."""
    words = [f"Name{i}" for i in range(5_000)]
    chain = Doc(nlp.vocab, words=words, heads=[max(0, i - 1) for i in range(5_000)],
                deps=["ROOT"] + ["conj"] * 4_999)  # fmt: skip
    assert [t.i for t in conjuncts(chain[0])] == list(range(1, MAX_CONJUNCTS + 1))
    top, members = _coordinations(chain)
    assert top[4_999] == 0 and len(members[0]) == MAX_CONJUNCTS + 1
    result = enricher.enrich(RawArticle(id="t", title="", body=long_conjunction(15_000)))
    assert len(result.entities) > 100  # NER finds a few hundred of the names


def test_enrichment_is_linear_in_a_long_conjunction(enricher: Enricher) -> None:
    # Hundreds of names: every stage (entities, stance pairs, per-mention tone) grows linearly.
    assert_linear(_enrich(enricher), long_conjunction, 6_000, repeats=2)


def test_limits_cut_the_body_and_say_where(enricher: Enricher) -> None:
    body = "Alice Smith met Bruno Novak in Paris. " * 200
    small = Enricher(EnrichSettings(max_tokens=50, max_sentences=1_000))
    cut = small.enrich(RawArticle(id="t", title="", body=body))
    assert cut.truncated is not None and cut.truncated.limit == "max_tokens"
    assert 0 < cut.truncated.end < len(body)
    assert all(m.end <= cut.truncated.end for e in cut.entities for m in e.mentions)
    by_sentences = Enricher(EnrichSettings(max_sentences=3)).enrich(
        RawArticle(id="t", title="", body=body)
    )
    assert by_sentences.truncated is not None
    assert by_sentences.truncated.limit == "max_sentences"
    assert body[: by_sentences.truncated.end].count("Paris.") == 3
    assert enricher.enrich(RawArticle(id="t", title="", body=body)).truncated is None
