"""Build the language-identification test set, tests/data/langid/langid.jsonl, from real text.

Sources (none written by the team):

* English prose and short sentences: NewsMTSC (``../shared/data/newsmtsc/train.jsonl``).
* English short UI strings, and their translations (Portuguese, Italian, German, French,
  Spanish, Dutch, Polish, Russian, Swedish, Turkish, Romanian, Indonesian): the gettext
  catalogues that Debian packages ship under ``/usr/share/locale`` (apt, dpkg, coreutils,
  bash, git, glib, ...).
* English results and tables: football results from openfootball (public domain), excerpts
  kept beside this set as ``openfootball_*.txt``.
* Non-English text mixed with English names: item titles of the Russian feed in feedparser's
  6.0.11 sdist test corpus (``--feedparser-tests``).

Usage: python scripts/langid_build_set.py [--feedparser-tests DIR]
"""

from __future__ import annotations

import argparse
import gettext
import html
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests/data/langid/langid.jsonl"
NEWSMTSC = ROOT.parent / "shared/data/newsmtsc/train.jsonl"
LOCALE = Path("/usr/share/locale")
CATALOGUES = ["apt", "dpkg", "coreutils", "bash", "git", "glib20", "gtk20", "findutils", "grep",
              "diffutils", "gettext-tools", "binutils", "gnupg2", "adduser"]  # fmt: skip
LANGUAGES = {"pt": ["pt", "pt_BR"], "it": ["it"], "de": ["de"], "fr": ["fr"], "es": ["es"],
             "nl": ["nl"], "pl": ["pl"], "ru": ["ru"], "sv": ["sv"], "tr": ["tr"],
             "ro": ["ro"], "id": ["id"]}  # fmt: skip
PER_LANGUAGE = 40
_PLACEHOLDER = re.compile(
    r"%[-#0 +']*\d*(?:\.\d+)?[hlLqjzt]*[sdiufxXcpeEgG%]|\{[^}]*\}|\$\w+|`[^`]*`"
)


def _clean(message: str) -> str:
    text = _PLACEHOLDER.sub(" ", message).replace("&", "").replace("_", "")
    return " ".join(text.split()).strip(" :")


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]{2,}", text))


def _catalogue_pairs(dirs: list[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for d in dirs:
        for name in CATALOGUES:
            path = LOCALE / d / "LC_MESSAGES" / f"{name}.mo"
            if not path.exists():
                continue
            with path.open("rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]
            for key, value in catalog.items():
                if isinstance(key, str) and key and isinstance(value, str):
                    source, target = _clean(key), _clean(value)
                    if source and target and source != target:
                        pairs.append((source, target))
    return sorted(set(pairs))


def build(feedparser_tests: Path | None) -> list[dict[str, str]]:
    rng = random.Random(12)
    rows: list[dict[str, str]] = []

    sentences = [json.loads(line)["sentence_normalized"] for line in NEWSMTSC.open()]
    sentences = sorted(set(sentences))
    prose = rng.sample([s for s in sentences if _words(s) >= 8], 200)
    rows += [{"kind": "prose", "lang": "en", "text": s, "source": "newsmtsc"} for s in prose]
    short = rng.sample([s for s in sentences if 2 <= _words(s) <= 7], 100)
    rows += [{"kind": "short", "lang": "en", "text": s, "source": "newsmtsc"} for s in short]
    names = [s for s in sentences if _words(s) >= 5 and _name_share(s) >= 0.4]
    rows += [
        {"kind": "mixed", "lang": "en", "text": s, "source": "newsmtsc (name-heavy)"}
        for s in rng.sample(names, min(100, len(names)))
    ]

    english_ui: set[str] = set()
    for lang, dirs in LANGUAGES.items():
        pairs = _catalogue_pairs(dirs)
        english_ui |= {s for s, _ in pairs}
        long_ = [t for _, t in pairs if _words(t) >= 6]
        short_ = [t for _, t in pairs if 2 <= _words(t) <= 5]
        for kind, pool in (("prose", long_), ("short", short_)):
            for text in rng.sample(sorted(set(pool)), min(PER_LANGUAGE, len(set(pool)))):
                rows.append({"kind": kind, "lang": lang, "text": text, "source": "gettext"})
    ui_short = [s for s in sorted(english_ui) if 2 <= _words(s) <= 5]
    rows += [
        {"kind": "short", "lang": "en", "text": s, "source": "gettext msgid"}
        for s in rng.sample(ui_short, 100)
    ]

    for path in sorted((ROOT / "tests/data/langid").glob("openfootball_*.txt")):
        lines = [line for line in path.read_text().splitlines() if line.strip()]
        src = f"openfootball {path.stem.removeprefix('openfootball_')}"
        for line in rng.sample([ln for ln in lines if re.search(r"\d-\d", ln)], 30):
            rows.append({"kind": "results", "lang": "en", "text": line.strip(), "source": src})
        for start in range(0, len(lines) - 8, 8):
            block = "\n".join(lines[start : start + 8])
            rows.append({"kind": "results", "lang": "en", "text": block, "source": src})
        rows.append({"kind": "results", "lang": "en", "text": "\n".join(lines), "source": src})

    if feedparser_tests is not None:
        feed = (
            feedparser_tests / "wellformed/sanitize/large_atom_feed_that_needs_css_sanitisation.xml"
        )
        titles = re.findall(r"<title[^>]*>(.*?)</title>", feed.read_text("utf-8"), re.S)
        rows += [
            {
                "kind": "mixed",
                "lang": "ru",
                "text": html.unescape(t).strip(),
                "source": "feedparser 6.0.11 tests",
            }
            for t in titles
        ]
    return rows


def _name_share(sentence: str) -> float:
    tokens = re.findall(r"[^\W\d_]+", sentence)
    return sum(t[0].isupper() for t in tokens) / max(len(tokens), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feedparser-tests", type=Path, default=None)
    args = parser.parse_args()
    rows = build(args.feedparser_tests)
    with OUT.open("w") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["kind"], "en" if row["lang"] == "en" else "other")
        counts[key] = counts.get(key, 0) + 1
    print(f"{len(rows)} texts -> {OUT.relative_to(ROOT)}: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
