"""Drop-in replacements for the model's ``attribute_ruler`` and ``lemmatizer``: the same
annotations for less CPU.

Both spaCy components walk every token in Python: the attribute ruler runs a ``Matcher`` of
~180 patterns over the doc and sets each match's attributes one by one, the rule lemmatizer
calls itself per token (and caches only the forms its rules changed). On real news they cost
~25 ms of the ~140 ms the whole model takes per article; these take ~17 ms on articles they
have not seen, less on words met before (docs/performance.md).

The replacements read and write the doc as arrays (``Doc.to_array`` / ``Doc.from_array``)
and memoise the per-token answer:

* :class:`FastAttributeRuler` answers the model's one-token patterns from a table keyed by
  the only attributes they test (TAG, LOWER, DEP, IS_SPACE), and tries the few patterns of
  several tokens only where their first token fits. Matches are applied in the ruler's own
  order (by pattern group, later groups win), so the result is the ruler's.
* :class:`FastLemmatizer` keys the rule lemmatizer's answer by what it depends on (ORTH, POS,
  MORPH) and asks the lemmatizer itself on a miss.

:func:`speed_up` swaps them in under the original names; a model whose ruler uses pattern
keys the table does not know keeps its own components.
"""

# No postponed annotations here: spaCy's registry (confection) reads the factories'
# annotations at run time and cannot resolve them as strings.
import re
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy
from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc

__all__ = ["FastAttributeRuler", "FastLemmatizer", "speed_up"]

_TESTED = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}  # column in the key array
_SET = ("TAG", "POS", "MORPH", "DEP", "LEMMA")  # attributes a rule may set, in column order
_SET_IDS = [TAG, POS, MORPH, DEP, LEMMA]

Key = tuple[int, int, int, int]
# Kinds of token remembered before a memo restarts: a bound on memory in a long-lived
# process (a key and a slot each, ~350 bytes, since kinds with one answer share an entry).
MEMO_SIZE = 50_000


class Unsupported(ValueError):
    """The ruler uses a pattern the fast table cannot answer."""


def _value_test(value: Any) -> Callable[[Any], bool]:
    """One token-pattern value as a test: a plain value, or one ``IN``, ``NOT_IN`` or
    ``REGEX`` operator (``re.search``, as the ``Matcher`` does)."""
    if not isinstance(value, dict):
        return lambda have: bool(have == value)
    if len(value) != 1:
        raise Unsupported(f"pattern operators {sorted(value)}")
    ((op, arg),) = value.items()
    if op == "IN":
        within = frozenset(arg)
        return lambda have: have in within
    if op == "NOT_IN":
        outside = frozenset(arg)
        return lambda have: have not in outside
    if op == "REGEX":
        regex = re.compile(arg)
        return lambda have: regex.search(have) is not None
    raise Unsupported(f"pattern operator {op}")


class _TokenTest:
    """A one-token pattern as a test on (TAG, LOWER, DEP, IS_SPACE) strings."""

    def __init__(self, pattern: Mapping[str, Any]) -> None:
        unknown = set(pattern) - set(_TESTED)
        if unknown:
            raise Unsupported(f"pattern keys {sorted(unknown)}")
        self.tests = [(_TESTED[k], _value_test(v)) for k, v in pattern.items()]
        # The plain LOWER or TAG value it requires, if any: the index of the rule table.
        lower, tag = pattern.get("LOWER"), pattern.get("TAG")
        self.index: tuple[int, str] | None = (
            (1, lower) if isinstance(lower, str) else (0, tag) if isinstance(tag, str) else None
        )

    def __call__(self, values: tuple[str, str, str, bool]) -> bool:
        return all(test(values[column]) for column, test in self.tests)


class _Entry:
    """What the rules say about one kind of token (one TAG, LOWER, DEP, IS_SPACE)."""

    __slots__ = ("mask", "positions", "rules", "starts", "values")

    def __init__(
        self, rules: list[tuple[int, dict[int, int]]], positions: tuple[tuple[bool, ...], ...]
    ) -> None:
        self.rules = rules  # (group, {column: value}) of the one-token rules, in group order
        merged: dict[int, int] = {}
        for _, attrs in rules:
            merged.update(attrs)  # later groups win, as in the ruler
        self.values = tuple(merged.get(c, 0) for c in range(len(_SET)))
        self.mask = tuple(c in merged for c in range(len(_SET)))
        self.positions = positions  # per pattern of several tokens: which places it fits
        self.starts = [p for p, fits in enumerate(positions) if fits[0]]


class FastAttributeRuler:
    """The model's attribute ruler, answered from a memo table (see the module docstring)."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.vocab = ruler.vocab
        # (group, test, attribute values as hashes) of every one-token pattern.
        self._single: list[tuple[int, _TokenTest, dict[int, int]]] = []
        # (group, index, attribute values, test per token) of the patterns of several tokens.
        self._multi: list[tuple[int, int, dict[int, int], list[_TokenTest]]] = []
        specs: list[dict[str, Any]] = list(ruler.patterns)
        for group, spec in enumerate(specs):
            if set(spec["attrs"]) - set(_SET):
                raise Unsupported(f"rule sets {sorted(spec['attrs'])}")
            attrs = {_SET.index(k): self._hash(k, v) for k, v in spec["attrs"].items()}
            index: int = spec.get("index", 0)
            for pattern in spec["patterns"]:
                if any("OP" in token for token in pattern):
                    raise Unsupported("pattern with an operator")
                tests = [_TokenTest(token) for token in pattern]
                if len(pattern) == 1 and index in (0, -1):
                    self._single.append((group, tests[0], attrs))
                else:
                    range(len(pattern))[index]  # an index outside the pattern fails here
                    self._multi.append((group, index, attrs, tests))
        # One-token rules by the LOWER or TAG value they require; the rest are tried always.
        self._indexed: dict[tuple[int, str], list[tuple[int, _TokenTest, dict[int, int]]]] = {}
        self._always: list[tuple[int, _TokenTest, dict[int, int]]] = []
        for rule in self._single:
            at = rule[1].index
            if at is None:
                self._always.append(rule)
            else:
                self._indexed.setdefault(at, []).append(rule)
        self._memo: dict[Key, _Entry] = {}
        self._shared: dict[Any, _Entry] = {}

    def _hash(self, attr: str, value: str) -> int:
        if attr == "MORPH":
            return int(self.vocab.morphology.add(value))
        return int(self.vocab.strings.add(value))

    def _entry(self, key: Key) -> _Entry:
        strings = self.vocab.strings
        values = (strings[key[0]], strings[key[1]], strings[key[2]], bool(key[3]))
        tried = [
            *self._indexed.get((0, values[0]), ()),
            *self._indexed.get((1, values[1]), ()),
            *self._always,
        ]
        rules = sorted(((g, a) for g, test, a in tried if test(values)), key=lambda r: r[0])
        positions = tuple(tuple(t(values) for t in tests) for _, _, _, tests in self._multi)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()  # a bound on memory in a long-lived process
            self._shared.clear()
        # Tokens of many kinds get the same answer (most fit no rule of several tokens):
        # they share one entry, so that a kind costs its key and a slot (~1.3 KB apart).
        content = (tuple((g, tuple(sorted(a.items()))) for g, a in rules), positions)
        entry = self._shared.get(content)
        if entry is None:
            entry = self._shared[content] = _Entry(rules, positions)
        self._memo[key] = entry
        return entry

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        memo = self._memo
        entries = [
            memo.get(key) or self._entry(key)
            for key in map(tuple, doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist())
        ]
        values = doc.to_array(_SET_IDS)
        mask = numpy.array([e.mask for e in entries], dtype=bool)
        numpy.copyto(
            values, numpy.array([e.values for e in entries], dtype=numpy.uint64), where=mask
        )
        # Patterns of several tokens: rare; the tokens they touch get all their rules again,
        # in group order.
        extra: dict[int, list[tuple[int, dict[int, int]]]] = {}
        for i in [i for i, e in enumerate(entries) if e.starts]:
            for p in entries[i].starts:
                group, index, attrs, tests = self._multi[p]
                size = len(tests)
                if i + size <= n and all(entries[i + j].positions[p][j] for j in range(size)):
                    extra.setdefault(i + range(size)[index], []).append((group, attrs))
        for i, more in extra.items():
            for _, attrs in sorted([*entries[i].rules, *more], key=lambda r: r[0]):
                for column, value in attrs.items():
                    values[i, column] = value
            mask[i] = True
        if mask.any():
            doc.from_array(_SET_IDS, cast(Any, values))
        return doc


class FastLemmatizer:
    """The model's rule lemmatizer with its answers memoised by (ORTH, POS, MORPH)."""

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        if lemmatizer.mode != "rule" or lemmatizer.overwrite:
            raise Unsupported(f"lemmatizer mode {lemmatizer.mode!r}")
        self.lemmatizer = lemmatizer
        self._memo: dict[tuple[int, int, int], int] = {}

    def _miss(self, doc: Doc, i: int, key: tuple[int, int, int]) -> int:
        lemma = int(doc.vocab.strings.add(self.lemmatizer.lemmatize(doc[i])[0]))
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()  # a bound on memory in a long-lived process
            self.lemmatizer.cache.clear()  # the model's own cache grows without one
        self._memo[key] = lemma
        return lemma

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        memo = self._memo
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()
        lemmas = [
            lemma or memo.get((orth, pos, morph)) or self._miss(doc, i, (orth, pos, morph))
            for i, (orth, pos, morph, lemma) in enumerate(rows)
        ]
        doc.from_array([LEMMA], cast(Any, numpy.array(lemmas, dtype=numpy.uint64).reshape(-1, 1)))
        return doc


def _source(nlp: Language, source: str, kind: type[Any]) -> Any:
    component = nlp.get_pipe(source)
    if not isinstance(component, kind):
        raise Unsupported(f"{source} is a {type(component).__name__}")
    return component


@Language.factory("newsflow_fast_attribute_ruler")
def _make_ruler(nlp: Language, name: str, source: str) -> FastAttributeRuler:
    return FastAttributeRuler(_source(nlp, source, AttributeRuler))


@Language.factory("newsflow_fast_lemmatizer")
def _make_lemmatizer(nlp: Language, name: str, source: str) -> FastLemmatizer:
    return FastLemmatizer(_source(nlp, source, Lemmatizer))


def speed_up(nlp: Language) -> list[str]:
    """Swap in the fast components under the original names; the names swapped."""
    swapped = []
    for name, factory, kind in (
        ("attribute_ruler", "newsflow_fast_attribute_ruler", AttributeRuler),
        ("lemmatizer", "newsflow_fast_lemmatizer", Lemmatizer),
    ):
        if name not in nlp.component_names or not isinstance(nlp.get_pipe(name), kind):
            continue
        try:
            nlp.add_pipe(factory, name=f"fast_{name}", after=name, config={"source": name})
        except Unsupported:
            continue
        nlp.remove_pipe(name)
        nlp.rename_pipe(f"fast_{name}", name)
        swapped.append(name)
    return swapped
