"""The stance target catalogue and the noun phrases stance targets are read from.

A target is either a catalogue id (optionally qualified, "ceasefire (full)"), the canonical
name of an entity of the article, or a short normalised noun phrase.

Catalogue aliases are matched with a spaCy PhraseMatcher on lower-cased lemmas, built once
per catalogue: "sanctioned" and "sanctions" both meet the alias "sanctions", "joined NATO"
meets "joining NATO". Each parsed field is matched once (:meth:`Catalogue.find`); a phrase
then asks which matches lie inside its own tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a block of text: keeps long word lists compact."""
    return text.split()


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Heads that say little by themselves: their complement names the issue ("a bill on X").
GENERIC_HEADS = frozenset(
    _words("""deal plan proposal agreement idea bill legislation measure policy law package program
    programme call bid push effort initiative offer framework arrangement resolution motion
    talks extension decision move request demand nomination appointment candidacy
    confirmation bid""")
)
# Words dropped from phrase targets: they do not change what the target is.
_FILLER = frozenset(
    _words("""a an the this that these those his her its their our my your any some all more
    additional further new other such own several many much""")
)
_CORE_DEPS = frozenset({"compound", "amod", "nmod", "nummod", "poss", "case", "npadvmod"})
_CORE_DEPS_EXTRA = frozenset({"punct", "quantmod", "advmod"})


def fold(word: str) -> str:
    """Lower-case and strip a plural "s" so that aliases match either number."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def words_of(text: str) -> list[str]:
    """Folded words without articles, for alias matching."""
    found = _WORD.findall(text.lower().replace("-", " "))
    return [fold(w) for w in found if w not in {"the", "a", "an"}]


@dataclass(frozen=True)
class CatalogueEntry:
    target_id: str
    aliases: tuple[str, ...]  # as written in the catalogue, lower-cased
    qualifiers: dict[str, frozenset[str]]


# Left out on both sides of a match: articles ("the ceasefire") and hyphens ("cease-fire"
# meets "cease fire"), as the aliases are written without them.
_UNMATCHED = frozenset({"the", "a", "an", "-"})


def _lemma_doc(vocab: Vocab, tokens: Iterable[Token], surface: bool = False) -> Doc:
    """A bare Doc of ``tokens`` whose LEMMA is the lower-cased lemma (or, with ``surface``,
    the lower-cased word): spaCy keeps the case of proper nouns' lemmas ("NATO"), which an
    alias written in lower case must still meet."""
    words = [t.lower_ for t in tokens]
    lemmas = words if surface else [t.lemma_.lower() or t.lower_ for t in tokens]
    return Doc(vocab, words=words, lemmas=lemmas)


@dataclass(frozen=True)
class _Hit:
    positions: tuple[int, ...]  # token indices of the match in the field (articles skipped)
    order: int  # the entry's place in the catalogue: the earlier wins a tie
    entry: CatalogueEntry


class CatalogueHits:
    """The catalogue's matches in one parsed field, by their first token."""

    def __init__(self, hits: list[_Hit]) -> None:
        self._by_start: dict[int, list[_Hit]] = {}
        for hit in hits:
            self._by_start.setdefault(hit.positions[0], []).append(hit)

    def match(self, tokens: Iterable[Token], joining: Token | None = None) -> CatalogueEntry | None:
        """The entry of the longest match lying wholly inside ``tokens`` (which need not be
        contiguous: "a full 30-day ceasefire" without its article), if any; with ``joining``,
        only a match joining that token to others ("joined NATO", not "polled" alone)."""
        inside = {t.i for t in tokens}
        best: _Hit | None = None
        for i in sorted(inside):
            for hit in self._by_start.get(i, ()):
                if not inside.issuperset(hit.positions):
                    continue
                if joining is not None and (
                    len(hit.positions) < 2 or joining.i not in hit.positions
                ):
                    continue
                if best is None or (-len(hit.positions), hit.order) < (
                    -len(best.positions),
                    best.order,
                ):
                    best = hit
        return best.entry if best is not None else None


class Catalogue:
    """Canonical target ids with their aliases, loaded from YAML, matched on lemmas."""

    def __init__(self, entries: list[CatalogueEntry], nlp: Language) -> None:
        self.entries = entries
        self._order = {e.target_id: n for n, e in enumerate(entries)}
        self._matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
        texts = [alias for e in entries for alias in e.aliases]
        parsed = iter(nlp.pipe(texts, disable=["parser", "ner"]))
        for e in entries:
            patterns: list[Doc] = []
            for _ in e.aliases:
                kept = [t for t in next(parsed) if t.lower_ not in _UNMATCHED]
                # Its lemmas, and its words as written for a word the tagger lemmatises
                # wrongly out of context.
                patterns += [_lemma_doc(nlp.vocab, kept), _lemma_doc(nlp.vocab, kept, True)]
            self._matcher.add(e.target_id, patterns)

    @classmethod
    def load(cls, nlp: Language, path: Path | None = None) -> Catalogue:
        """Read the catalogue (``None``: the shipped ``pipeline/data/targets.yaml``); ``nlp``,
        the pipeline that parses the articles, lemmatises the aliases."""
        if path is None:
            text = resources.files("pipeline").joinpath("data/targets.yaml").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        entries = [
            CatalogueEntry(
                target_id=str(target_id),
                aliases=tuple(str(a).lower() for a in spec.get("aliases", [])),
                qualifiers={
                    str(q): frozenset(fold(w) for w in words)
                    for q, words in (spec.get("qualifiers") or {}).items()
                },
            )
            for target_id, spec in (raw.get("targets") or {}).items()
        ]
        return cls(entries, nlp)

    def find(self, doc: Doc) -> CatalogueHits:
        """Every alias occurrence in one parsed field, in one matcher pass."""
        kept = [t for t in doc if t.lower_ not in _UNMATCHED]
        hits = []
        for match_id, start, end in self._matcher(_lemma_doc(doc.vocab, kept)):
            target_id = doc.vocab.strings[match_id]
            order = self._order[target_id]
            positions = tuple(kept[k].i for k in range(start, end))
            hits.append(_Hit(positions, order, self.entries[order]))
        return CatalogueHits(hits)


def core_tokens(head: Token) -> list[Token]:
    """The head noun with its pre-modifiers: "a full 30-day ceasefire" -> all four words."""
    found = [head]
    for child in head.children:
        if child.dep_ == "case":  # the "'s" of a possessive follows its owner
            found.append(child)
        elif child.i < head.i and (child.dep_ in _CORE_DEPS or child.dep_ in _CORE_DEPS_EXTRA):
            found.extend(core_tokens(child) if child.dep_ in _CORE_DEPS else [child])
        elif child.dep_ == "compound":
            found.extend(core_tokens(child))
    return sorted(found, key=lambda t: t.i)


def complement(head: Token) -> Token | None:
    """The object of a complement preposition ("end *to* the war", "ban *on* guns"); none
    when it is an amount ("the bid of $65 billion for Sky" is no position on Sky)."""
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in {"of", "on", "to", "for", "against"}:
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return None if _amount(grandchild) else grandchild
    return None


_AMOUNTS = frozenset({"PERCENT", "MONEY", "QUANTITY"})


def _amount(tok: Token) -> bool:
    """A figure, not a thing counted: "of 38.2%", "of $5 billion" (but "of hundreds of
    prisoners" names the prisoners)."""
    return tok.ent_type_ in _AMOUNTS or (tok.like_num and any(c.isdigit() for c in tok.text))


def phrase(tokens: list[Token], limit: int = 6) -> str:
    """A short normalised phrase: no determiners or fillers, common words lower-cased."""
    kept = [
        t.text if t.pos_ == "PROPN" else t.lower_
        for t in tokens
        # a name's own words stay: "New York's diversity", not "York's diversity"
        if (t.lower_ not in _FILLER or t.pos_ == "PROPN") and not (t.is_punct and t.text != "-")
    ]
    text = " ".join(kept[-limit:]).replace(" - ", "-").replace(" 's", "'s")
    return text.strip()
