"""The stance target catalogue and the noun phrases stance targets are read from.

A target is either a catalogue id (optionally qualified, "ceasefire (full)"), the canonical
name of an entity of the article, or a short normalised noun phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from spacy.tokens import Token


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
    aliases: tuple[tuple[str, ...], ...]
    qualifiers: dict[str, frozenset[str]]


class Catalogue:
    """Canonical target ids with their aliases, loaded from YAML."""

    def __init__(self, entries: list[CatalogueEntry]) -> None:
        self.entries = entries
        # Longest alias first so "peace deal" wins over a shorter alias inside it.
        self._index = sorted(
            ((alias, e) for e in entries for alias in e.aliases), key=lambda p: -len(p[0])
        )

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        """Read the catalogue; ``None`` means the shipped ``pipeline/data/targets.yaml``."""
        if path is None:
            text = resources.files("pipeline").joinpath("data/targets.yaml").read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
        entries = [
            CatalogueEntry(
                target_id=str(target_id),
                aliases=tuple(tuple(words_of(str(a))) for a in spec.get("aliases", [])),
                qualifiers={
                    str(q): frozenset(fold(w) for w in words)
                    for q, words in (spec.get("qualifiers") or {}).items()
                },
            )
            for target_id, spec in (raw.get("targets") or {}).items()
        ]
        return cls(entries)

    def match(self, words: list[str]) -> CatalogueEntry | None:
        """The entry whose longest alias occurs in ``words`` (already folded)."""
        for alias, entry in self._index:
            n = len(alias)
            if any(tuple(words[i : i + n]) == alias for i in range(len(words) - n + 1)):
                return entry
        return None


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
    """The object of a complement preposition ("end *to* the war", "ban *on* guns")."""
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in {"of", "on", "to", "for", "against"}:
            for grandchild in child.children:
                if grandchild.dep_ == "pobj":
                    return grandchild
    return None


def phrase(tokens: list[Token], limit: int = 6) -> str:
    """A short normalised phrase: no determiners or fillers, common words lower-cased."""
    kept = [
        t.text if t.pos_ == "PROPN" else t.lower_
        for t in tokens
        if t.lower_ not in _FILLER and not (t.is_punct and t.text != "-")
    ]
    text = " ".join(kept[-limit:]).replace(" - ", "-").replace(" 's", "'s")
    return text.strip()
