"""When a predicted stance tag names the same holder and target as a gold tag.

Holders match when their name keys are equal once honorifics are dropped, or when one is the
surname of the other ("Mr. Obama", "Obama", "Barack Obama"); a middle initial on one side
only and the kind of apostrophe do not count ("Donald J. Trump" is "Donald Trump", "O’Reilly"
is "Bill O'Reilly"). Targets match when equal after lower-casing and dropping articles and
punctuation; a gold catalogue id without a qualifier matches any qualifier of that id; two
phrase targets also match when the content words of one contain the other's.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.enrich.mentions import name_key

_STOP = frozenset({"the", "a", "an", "of", "to", "on", "for", "in", "with", "s"})
_HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "sen",
        "senator",
        "rep",
        "gov",
        "president",
        "prime",
        "minister",
        "secretary",
        "gen",
        "sir",
        "lord",
    ]
)


# Letters NFKD leaves whole ("Wałęsa", "Maaßen", "Løkke", "Kılıçdaroğlu").
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "ß": "ss", "ı": "i", "đ": "d", "æ": "ae",
                               "œ": "oe", "þ": "th", "ð": "d"})  # fmt: skip


def _name_words(name: str) -> list[str]:
    # Accents folded ("Ramón Pérez" is "ramon perez", not "ram", "n", "p", "rez"), only a
    # final possessive dropped ("O'Sullivan" keeps its s), and an apostrophe inside a name
    # kept in it ("O'Reilly" is one word, not "o" + "reilly").
    key = unicodedata.normalize("NFKD", name_key(name).replace("\u2019", "'"))
    key = "".join(c for c in key if not unicodedata.combining(c)).translate(_UNDECOMPOSED)
    key = key.removesuffix("'s")
    words = re.findall(r"[a-z0-9]+", re.sub(r"(?<=[a-z])'(?=[a-z])", "", key))
    while len(words) > 1 and words[0] in _HONORIFICS:
        words = words[1:]
    return words


def _without_initials(words: list[str]) -> list[str]:
    """The name without middle initials: "donald j trump" -> "donald trump"."""
    if len(words) <= 2:
        return words
    return [words[0], *(w for w in words[1:-1] if len(w) > 1), words[-1]]


def holders_match(gold: str, predicted: str) -> bool:
    if name_key(gold) == name_key(predicted):
        return True
    g, p = _name_words(gold), _name_words(predicted)
    if not g or not p:
        return False
    if g == p:
        return True
    g0, p0 = _without_initials(g), _without_initials(p)
    if (g0 == g) != (p0 == p):
        # Initials on one side only say nothing ("Donald J. Trump", "Donald Trump"); on both
        # sides they tell people apart ("George W. Bush", "George H. W. Bush").
        g, p = g0, p0
        if g == p:
            return True
    shorter, longer = (g, p) if len(g) < len(p) else (p, g)
    return len(shorter) == 1 and longer[-1] == shorter[0]


_OWNERS = frozenset(
    ["his", "her", "its", "their", "our", "my", "your", "this", "that", "these", "those"]
)


def _stem(word: str) -> str:
    """A crude stem, so that "secure our borders" and "securing borders" compare equal."""
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _norm_target(target: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", target.lower().replace("\u2019", "'").replace("'s", ""))


def targets_match(gold: str, predicted: str) -> bool:
    """Same target, allowing an unqualified catalogue id and phrase containment."""
    if name_key(gold) == name_key(predicted) or holders_match(gold, predicted):
        return True
    g, p = _norm_target(gold), _norm_target(predicted)
    if g == p:
        return True
    unqualified_id = len(g) == 1
    if unqualified_id and len(p) == 2 and p[0] == g[0] and predicted.endswith(")"):
        return True  # gold "ceasefire" matches "ceasefire (limited)"
    if any("_" in w for w in g + p):
        return False  # catalogue ids match only as ids
    content_g = {_stem(w) for w in g if w not in _STOP and w not in _OWNERS}
    content_p = {_stem(w) for w in p if w not in _STOP and w not in _OWNERS}
    if not content_g or not content_p:
        return False
    return content_g <= content_p or content_p <= content_g
